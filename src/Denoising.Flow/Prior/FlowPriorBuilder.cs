using System.Diagnostics;
using System.Text.Json;
using Denoising.Flow.Flows;
using Denoising.Flow.Imaging;
using Denoising.Flow.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Prior;

/// <summary>
/// Fluent configuration of stage 1: a Glow prior trained by maximum likelihood on clean images (random patches,
/// uniform dequantisation, Adam with warm-up). Mutable; every setting is validated when <see cref="Train"/> is called,
/// and all problems are reported at once. Not thread-safe; the <see cref="FlowPrior"/> it returns is.
/// </summary>
/// <example>
/// <code>
/// using var prior = new FlowPriorBuilder()
///     .WithCleanImages("data/clean")
///     .WithArchitecture(new GlowOptions { InputChannels = 1, Levels = 3, StepsPerLevel = 8 })
///     .WithPatchSize(32).WithBatchSize(32).WithSteps(20_000)
///     .WithCheckpoint("runs/prior.ckpt")
///     .Train(progress, cancellationToken);
/// </code>
/// </example>
public sealed class FlowPriorBuilder
{
    private const string CheckpointKind = "FlowPriorTraining";
    private ImageSource? images;
    private ImageSource? validation;
    private GlowOptions architecture = new();
    private int patchSize = 32;
    private int batchSize = 32;
    private LearningRateSchedule learningRate = new(1e-3, WarmupSteps: 200);
    private long? steps;
    private double? epochs;
    private TimeSpan? duration;
    private long seed = 1;
    private Device? device;
    private bool augment = true;
    private bool dequantize = true;
    private double gradientClip = 50;
    private string? checkpointPath;
    private TimeSpan checkpointInterval = TimeSpan.FromMinutes(3);
    private ILogger logger = NullLogger.Instance;
    private ImageReadOptions? readOptions;

    /// <summary>Clean training images from a folder.</summary>
    public FlowPriorBuilder WithCleanImages(string folder) { images = ImageSource.FromFolder(folder); return this; }

    /// <summary>Clean training images from files.</summary>
    public FlowPriorBuilder WithCleanImages(IEnumerable<string> files) { images = ImageSource.FromFiles(files); return this; }

    /// <summary>Clean training images as tensors [C, H, W] in [0, 1].</summary>
    public FlowPriorBuilder WithCleanImages(IEnumerable<Tensor> tensors) { images = ImageSource.FromTensors(tensors); return this; }

    /// <summary>Clean training images from any <see cref="ImageSource"/>.</summary>
    public FlowPriorBuilder WithCleanImages(ImageSource source) { images = source; return this; }

    /// <summary>Clean images held aside to report validation bits/dim after training.</summary>
    public FlowPriorBuilder WithValidationImages(ImageSource source) { validation = source; return this; }

    /// <summary>The Glow architecture (default: <c>new GlowOptions()</c>, grayscale, L=3, K=8, width 64).</summary>
    public FlowPriorBuilder WithArchitecture(GlowOptions options) { architecture = options; return this; }

    /// <summary>Changes the architecture, e.g. <c>b.WithArchitecture(o => o with { Levels = 2 })</c>.</summary>
    public FlowPriorBuilder WithArchitecture(Func<GlowOptions, GlowOptions> change) { architecture = change(architecture); return this; }

    /// <summary>Image channels: 1 (grayscale) or 3 (color).</summary>
    public FlowPriorBuilder WithChannels(int channels) { architecture = architecture with { InputChannels = channels }; return this; }

    /// <summary>Side of the square training patches (a multiple of 2^levels; default 32).</summary>
    public FlowPriorBuilder WithPatchSize(int size) { patchSize = size; return this; }

    /// <summary>Patches per step (default 32).</summary>
    public FlowPriorBuilder WithBatchSize(int size) { batchSize = size; return this; }

    /// <summary>Adam learning rate with linear warm-up (default 1e-3, 200 steps), optionally with cosine decay over the step budget.</summary>
    public FlowPriorBuilder WithLearningRate(double rate, int warmupSteps = 200, bool cosineDecay = false)
    {
        learningRate = new LearningRateSchedule(rate, warmupSteps, cosineDecay);
        return this;
    }

    /// <summary>Total optimizer steps (counting steps of a resumed checkpoint).</summary>
    public FlowPriorBuilder WithSteps(long count) { steps = count; epochs = null; return this; }

    /// <summary>Training length in epochs: one epoch shows as many patch pixels as the training images hold.</summary>
    public FlowPriorBuilder WithEpochs(double count) { epochs = count; steps = null; return this; }

    /// <summary>Wall-clock limit of this run (combines with steps: whichever ends first).</summary>
    public FlowPriorBuilder WithDuration(TimeSpan limit) { duration = limit; return this; }

    /// <summary>Seed of parameters and patch sampling (default 1). Runs are repeatable on the CPU.</summary>
    public FlowPriorBuilder WithSeed(long value) { seed = value; return this; }

    /// <summary>The device (default: CUDA when available, else CPU).</summary>
    public FlowPriorBuilder OnDevice(Device value) { device = value; return this; }

    /// <summary>Random flips and 90-degree rotations of patches (default on).</summary>
    public FlowPriorBuilder WithAugmentation(bool enabled) { augment = enabled; return this; }

    /// <summary>Uniform dequantisation of 8-bit data (default on; turn off for continuous-valued images).</summary>
    public FlowPriorBuilder WithDequantization(bool enabled) { dequantize = enabled; return this; }

    /// <summary>Gradient norm clipping (default 50; the bits/dim loss is per dimension).</summary>
    public FlowPriorBuilder WithGradientClipping(double maxNorm) { gradientClip = maxNorm; return this; }

    /// <summary>
    /// Periodic, atomic checkpoints to <paramref name="path"/> (default every 3 minutes, on cancellation and at the end).
    /// When the file exists, training resumes from it (same architecture required).
    /// </summary>
    public FlowPriorBuilder WithCheckpoint(string path, TimeSpan? every = null)
    {
        checkpointPath = path;
        if (every is { } e) checkpointInterval = e;
        return this;
    }

    /// <summary>Image decoding options (pixel limit).</summary>
    public FlowPriorBuilder WithImageReadOptions(ImageReadOptions options) { readOptions = options; return this; }

    /// <summary>Where messages go (default: nowhere).</summary>
    public FlowPriorBuilder WithLogger(ILogger value) { logger = value ?? NullLogger.Instance; return this; }

    /// <summary>Trains the prior on a background thread; see <see cref="Train"/>.</summary>
    public Task<FlowPrior> TrainAsync(IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Factory.StartNew(() => Train(progress, cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Validates the configuration, loads the images and trains; runs on the calling thread.</summary>
    /// <exception cref="ArgumentException">The configuration is invalid (all problems listed), or the images are unusable.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; a checkpoint was written first when a path is set.</exception>
    /// <exception cref="TrainingDivergedException">The loss became NaN; the last good checkpoint is kept.</exception>
    public FlowPrior Train(IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Validate();
        var target = Devices.Require(device ?? Devices.Default());
        var data = images!.Load(architecture.InputChannels, readOptions, logger);
        var sampler = new PatchSampler(data, patchSize, augment, seed);
        long pixels = data.Sum(d => d.Image.shape[1] * d.Image.shape[2]);
        long? totalSteps = steps ?? (epochs is { } e ? Math.Max(1, (long)Math.Ceiling(e * pixels / ((double)patchSize * patchSize * batchSize))) : null);
        logger.LogInformation("Prior: {Count} clean images from {Source}, patches {Patch}x{Patch}, batch {Batch}, device {Device}",
            data.Count, images.Description, patchSize, patchSize, batchSize, target);

        manual_seed(seed);
        var model = new GlowModel(architecture);
        model.to(target).DetachFromScopes();
        var parameters = model.parameters().ToArray();
        var optimizer = optim.Adam(parameters, lr: learningRate.BaseRate);
        string configJson = Json.Write(new { Architecture = architecture, PatchSize = patchSize, BatchSize = batchSize, Seed = seed });
        string architectureJson = Json.Write(architecture);
        double previousSeconds = 0;
        long start = 0;
        if (checkpointPath is not null)
        {
            var resumed = TrainingCheckpoint.TryResume(checkpointPath, CheckpointKind,
                config => JsonDocument.Parse(config).RootElement.GetProperty("Architecture").GetRawText(), architectureJson, model, optimizer);
            if (resumed is not null)
            {
                start = resumed.Step;
                previousSeconds = resumed.TrainingSeconds;
                logger.LogInformation("Prior: resuming from {Path} at step {Step}", checkpointPath, start);
            }
        }

        var recent = new Queue<double>();
        var clock = Stopwatch.StartNew();
        var loop = new TrainingLoop
        {
            Stage = TrainingStage.Prior, Budget = new TrainingBudget(totalSteps, duration), BatchSize = batchSize, Logger = logger,
            Progress = progress, CheckpointPath = checkpointPath, CheckpointInterval = checkpointInterval,
        };
        model.train();
        long end = loop.Run(start, step =>
        {
            using var scope = NewDisposeScope();
            var (batch, _) = sampler.Sample(step, batchSize, CPU);
            if (dequantize) batch = LogitTransform.Dequantize(batch, new Generator((ulong)(seed * 7_777 + step)));
            batch = batch.to(target);
            double rate = learningRate.At(step, totalSteps);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = rate;
            optimizer.zero_grad();
            var loss = model.BitsPerDim(batch).mean();
            loss.backward();
            nn.utils.clip_grad_norm_(parameters, gradientClip);
            double value = loss.ToDouble();
            if (double.IsFinite(value)) optimizer.step();
            recent.Enqueue(value);
            if (recent.Count > 50) recent.Dequeue();
            return new StepMetrics(value, 0, value, value, 0, rate);
        },
        (path, step) => TrainingCheckpoint.Save(path, CheckpointKind, configJson,
            new TrainingCheckpoint.State(step, previousSeconds + clock.Elapsed.TotalSeconds, new()), model, optimizer),
        cancellationToken);

        optimizer.Dispose();
        double? validationBpd = validation is null ? null : Evaluate(model, validation, target);
        if (validationBpd is { } v) logger.LogInformation("Prior: validation {Bpd:F4} bits/dim", v);
        var info = new FlowPriorInfo(end, patchSize, data.Count, recent.Count > 0 ? recent.Average() : double.NaN, validationBpd,
            previousSeconds + clock.Elapsed.TotalSeconds);
        foreach (var (_, image) in data) image.Dispose();
        return new FlowPrior(model, info);
    }

    /// <summary>Mean bits/dim over fixed, dequantised validation patches (seeded).</summary>
    private double Evaluate(GlowModel model, ImageSource source, Device target)
    {
        var data = source.Load(architecture.InputChannels, readOptions, logger);
        var sampler = new PatchSampler(data, patchSize, augment: false, seed: 12345);
        model.eval();
        double sum = 0;
        const int batches = 8;
        using (inference_mode())
        {
            for (int i = 0; i < batches; i++)
            {
                using var scope = NewDisposeScope();
                var (batch, _) = sampler.Sample(i, batchSize, CPU);
                batch = LogitTransform.Dequantize(batch, new Generator((ulong)(777 + i))).to(target);
                sum += model.BitsPerDim(batch).mean().ToDouble();
            }
        }
        foreach (var (_, image) in data) image.Dispose();
        return sum / batches;
    }

    private void Validate()
    {
        var problems = new List<string>();
        if (images is null) problems.Add("CleanImages: no clean training images were given (WithCleanImages).");
        problems.AddRange(architecture.Problems());
        if (patchSize < 1 || patchSize % architecture.SizeMultiple != 0)
            problems.Add($"PatchSize: must be a positive multiple of {architecture.SizeMultiple} (2^Levels), got {patchSize}.");
        if (batchSize < 1) problems.Add($"BatchSize: must be at least 1, got {batchSize}.");
        if (epochs is { } e && !(e > 0)) problems.Add($"Epochs: must be positive, got {e}.");
        problems.AddRange(new TrainingBudget(steps ?? (epochs is not null ? 1 : null), duration).Problems());
        problems.AddRange(learningRate.Problems());
        if (!(gradientClip > 0)) problems.Add($"GradientClipping: must be positive, got {gradientClip}.");
        if (checkpointInterval <= TimeSpan.Zero) problems.Add($"CheckpointInterval: must be positive, got {checkpointInterval}.");
        if (problems.Count > 0)
            throw new ArgumentException("Invalid prior training configuration:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)));
    }
}
