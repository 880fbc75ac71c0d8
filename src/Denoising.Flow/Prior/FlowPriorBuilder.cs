using Denoising.Flow.Flows;
using Denoising.Flow.Internal;
using Denoising.Flow.Persistence;
using Denoising.Flow.Prior;
using Denoising.Flow.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow;

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
public sealed class FlowPriorBuilder : TrainingBuilder<FlowPriorBuilder>
{
    private const string CheckpointKind = "FlowPriorTraining";
    private ImageSource? images;
    private ImageSource? validation;
    private GlowOptions architecture = new();
    private bool dequantize = true;

    /// <summary>Creates a builder with the defaults: grayscale Glow L=3, K=8, width 64; patches 32, batch 32; Adam 1e-3 with 200 warm-up steps; gradient clipping 50.</summary>
    public FlowPriorBuilder() : base(defaultWarmupSteps: 200, defaultGradientClip: 50) { }

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

    /// <summary>Uniform dequantisation of 8-bit data (default on; turn off for continuous-valued images).</summary>
    public FlowPriorBuilder WithDequantization(bool enabled) { dequantize = enabled; return this; }

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
        var target = Devices.Require(Device ?? Devices.Default());
        var data = images!.Load(architecture.InputChannels, ReadOptions, Logger, cancellationToken);
        var sampler = new PatchSampler(data, PatchSize, Augment, Seed);
        long pixels = data.Sum(d => d.Image.shape[1] * d.Image.shape[2]);
        long? totalSteps = TotalSteps(pixels);
        Logger.LogInformation("Prior: {Count} clean images from {Source}, patches {Patch}x{Patch}, batch {Batch}, device {Device}",
            data.Count, images.Description, PatchSize, PatchSize, BatchSize, target);

        manual_seed(Seed);
        var model = new GlowModel(architecture);
        model.to(target).DetachFromScopes();
        var session = CreateSession(TrainingStage.Prior, model, CheckpointKind, Json.Write(new { Architecture = architecture, PatchSize, BatchSize, Seed }), totalSteps, progress);
        var (end, seconds) = session.Run(new PriorObjective(model, sampler, BatchSize, dequantize, Seed, target), cancellationToken);
        var recent = session.Recent;
        double? validationBpd = validation is null ? null : Evaluate(model, validation, target, cancellationToken);
        if (validationBpd is { } v) Logger.LogInformation("Prior: validation {Bpd:F4} bits/dim", v);
        var info = new FlowPriorInfo(end, PatchSize, data.Count, recent.Count > 0 ? recent.Average(r => r.Loss) : double.NaN, validationBpd, seconds);
        foreach (var (_, image) in data) image.Dispose();
        return new FlowPrior(model, info);
    }

    /// <summary>Mean bits/dim over fixed, dequantised validation patches (seeded).</summary>
    private double Evaluate(GlowModel model, ImageSource source, Device target, CancellationToken cancellationToken)
    {
        var data = source.Load(architecture.InputChannels, ReadOptions, Logger, cancellationToken);
        var sampler = new PatchSampler(data, PatchSize, augment: false, seed: 12345);
        model.eval();
        double sum = 0;
        const int batches = 8;
        using (inference_mode())
        {
            for (int i = 0; i < batches; i++)
            {
                using var scope = NewDisposeScope();
                var (batch, _) = sampler.Sample(i, BatchSize, CPU);
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
        problems.AddRange(SharedProblems(architecture.SizeMultiple));
        ThrowIfAny("prior training", problems);
    }
}
