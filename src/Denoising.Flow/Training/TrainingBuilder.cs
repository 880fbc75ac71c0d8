using Denoising.Flow.Imaging;
using Denoising.Flow.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace Denoising.Flow;

/// <summary>
/// The settings both training stages share: patches, batch, learning rate, budget, seed, device, augmentation,
/// gradient clipping, checkpoints, logging. Mutable; validated by the derived builder's <c>Train</c>.
/// </summary>
/// <typeparam name="TSelf">The derived builder, returned by every setter so that calls chain.</typeparam>
public abstract class TrainingBuilder<TSelf> where TSelf : TrainingBuilder<TSelf>
{
    private protected TrainingBuilder(int defaultWarmupSteps, double defaultGradientClip)
    {
        LearningRate = new LearningRateSchedule(1e-3, defaultWarmupSteps);
        GradientClip = defaultGradientClip;
    }

    private protected int PatchSize { get; private set; } = 32;
    private protected int BatchSize { get; private set; } = 32;
    private protected LearningRateSchedule LearningRate { get; private set; }
    private protected long? Steps { get; private set; }
    private protected double? Epochs { get; private set; }
    private protected TimeSpan? Duration { get; private set; }
    private protected long Seed { get; private set; } = 1;
    private protected Device? Device { get; private set; }
    private protected bool Augment { get; private set; } = true;
    private protected double GradientClip { get; private set; }
    private protected string? CheckpointPath { get; private set; }
    private protected TimeSpan CheckpointInterval { get; private set; } = TimeSpan.FromMinutes(3);
    private protected ILogger Logger { get; private set; } = NullLogger.Instance;
    private protected ImageReadOptions? ReadOptions { get; private set; }
    private protected int AverageHalfLife { get; private set; }

    private TSelf Self => (TSelf)this;

    /// <summary>Side of the square training patches (a multiple of the prior's 2^levels; default 32).</summary>
    public TSelf WithPatchSize(int size) { PatchSize = size; return Self; }

    /// <summary>Patches per step (default 32).</summary>
    public TSelf WithBatchSize(int size) { BatchSize = size; return Self; }

    /// <summary>Adam learning rate with linear warm-up, optionally with cosine decay over the step budget (default 1e-3).</summary>
    public TSelf WithLearningRate(double rate, int warmupSteps = 100, bool cosineDecay = false)
    {
        LearningRate = new LearningRateSchedule(rate, warmupSteps, cosineDecay);
        return Self;
    }

    /// <summary>Total optimizer steps (counting the steps of a resumed checkpoint).</summary>
    public TSelf WithSteps(long count) { Steps = count; Epochs = null; return Self; }

    /// <summary>Training length in epochs: one epoch shows as many patch pixels as the training images hold.</summary>
    public TSelf WithEpochs(double count) { Epochs = count; Steps = null; return Self; }

    /// <summary>Wall-clock limit of this run (combines with steps or epochs: whichever ends first).</summary>
    public TSelf WithDuration(TimeSpan limit) { Duration = limit; return Self; }

    /// <summary>Seed of parameters and patch sampling (default 1). Runs are repeatable on the CPU.</summary>
    public TSelf WithSeed(long value) { Seed = value; return Self; }

    /// <summary>The device (default: CUDA when available, else the CPU).</summary>
    public TSelf OnDevice(Device value) { Device = value; return Self; }

    /// <summary>Random flips and 90-degree rotations of patches (default on).</summary>
    public TSelf WithAugmentation(bool enabled) { Augment = enabled; return Self; }

    /// <summary>Gradient norm clipping.</summary>
    public TSelf WithGradientClipping(double maxNorm) { GradientClip = maxNorm; return Self; }

    /// <summary>
    /// Periodic, atomic checkpoints to <paramref name="path"/> (default every 3 minutes, on cancellation and at the end).
    /// When the file exists, training resumes from it (the same architecture is required).
    /// </summary>
    public TSelf WithCheckpoint(string path, TimeSpan? every = null)
    {
        CheckpointPath = path;
        if (every is { } e) CheckpointInterval = e;
        return Self;
    }

    /// <summary>
    /// Return an exponential moving average of the weights instead of the last ones (Polyak averaging): after every step the
    /// average moves towards the new weights, and a step's contribution halves every <paramref name="halfLifeSteps"/> steps.
    /// It smooths out the noise of the last optimizer steps. 0 (default) returns the last weights. The average travels in
    /// checkpoints, and <c>Denoiser.LoadTrainingCheckpoint</c> reads it.
    /// </summary>
    public TSelf WithWeightAveraging(int halfLifeSteps) { AverageHalfLife = halfLifeSteps; return Self; }

    /// <summary>Image decoding options (pixel limit).</summary>
    public TSelf WithImageReadOptions(ImageReadOptions options) { ReadOptions = options; return Self; }

    /// <summary>Where messages go (default: nowhere).</summary>
    public TSelf WithLogger(ILogger value) { Logger = value ?? NullLogger.Instance; return Self; }

    /// <summary>Problems with the shared settings, "Property: message" each.</summary>
    private protected IEnumerable<string> SharedProblems(int? sizeMultiple)
    {
        if (sizeMultiple is { } m && (PatchSize < 1 || PatchSize % m != 0))
            yield return $"PatchSize: must be a positive multiple of {m} (2^levels of the prior), got {PatchSize}.";
        if (BatchSize < 1) yield return $"BatchSize: must be at least 1, got {BatchSize}.";
        if (Epochs is { } e && !(e > 0)) yield return $"Epochs: must be positive, got {e}.";
        foreach (var p in new TrainingBudget(Steps ?? (Epochs is not null ? 1 : null), Duration).Problems()) yield return p;
        foreach (var p in LearningRate.Problems()) yield return p;
        if (!(GradientClip > 0)) yield return $"GradientClipping: must be positive, got {GradientClip}.";
        if (CheckpointInterval <= TimeSpan.Zero) yield return $"CheckpointInterval: must be positive, got {CheckpointInterval}.";
        if (AverageHalfLife < 0) yield return $"WeightAveraging: the half-life must be 0 (off) or a positive number of steps, got {AverageHalfLife}.";
    }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every problem.</summary>
    private protected static void ThrowIfAny(string what, List<string> problems)
    {
        if (problems.Count > 0)
            throw new ArgumentException($"Invalid {what} configuration:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)));
    }

    /// <summary>The step budget: steps, or epochs converted with the training set's pixel count.</summary>
    private protected long? TotalSteps(long trainingPixels) =>
        Steps ?? (Epochs is { } e ? Math.Max(1, (long)Math.Ceiling(e * trainingPixels / ((double)PatchSize * PatchSize * BatchSize))) : null);

    /// <summary>The shared training loop for <paramref name="model"/> with this builder's settings.</summary>
    private protected TrainingSession CreateSession(TrainingStage stage, TorchSharp.torch.nn.Module model, string checkpointKind, string configJson,
        long? totalSteps, IProgress<TrainingProgress>? progress) => new()
    {
        Stage = stage, Model = model, LearningRate = LearningRate, Budget = new TrainingBudget(totalSteps, Duration), BatchSize = BatchSize,
        GradientClip = GradientClip, Logger = Logger, Progress = progress, CheckpointPath = CheckpointPath, CheckpointInterval = CheckpointInterval,
        CheckpointKind = checkpointKind, ConfigJson = WithAveraging(configJson), AverageHalfLife = AverageHalfLife,
    };

    /// <summary>The run's configuration with the averaging's half-life when it averages (a resume under another one is reported).</summary>
    private string WithAveraging(string configJson)
    {
        if (AverageHalfLife == 0) return configJson;
        var node = System.Text.Json.Nodes.JsonNode.Parse(configJson)!.AsObject();
        node["WeightAverageHalfLife"] = AverageHalfLife;
        return node.ToJsonString();
    }
}
