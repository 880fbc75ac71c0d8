using Denoising.Flow.Blur;
using Denoising.Flow.Denoisers;
using Denoising.Flow.Internal;
using Denoising.Flow.Noise;
using Denoising.Flow.Persistence;
using Denoising.Flow.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow;

/// <summary>
/// Fluent configuration of stage 2: the denoiser D trained on noisy images only, with the frozen prior, minimising
/// <c>mean((B*(D(N) - N))^2) + lambda * (-log f_C(D(N)) / D)</c> per patch (see <see cref="PriorWeight"/> for the scaling).
/// No clean image is ever used. Mutable; validated when <see cref="Train"/> is called (all problems at once).
/// </summary>
/// <example>
/// <code>
/// using var denoiser = new DenoiserTrainer(prior)
///     .WithNoisyImages("data/noisy")
///     .WithBlur(BlurKernels.Gaussian(0.5, 3))
///     .WithPriorWeight(PriorWeight.Discrepancy())
///     .WithSteps(5_000)
///     .Train(progress, cancellationToken);
/// denoiser.DenoiseFile("photo.png", "photo.denoised.png");
/// </code>
/// </example>
public sealed class DenoiserTrainer : TrainingBuilder<DenoiserTrainer>
{
    internal const string CheckpointKind = "DenoiserTraining";

    private DataTerm dataTerm = DataTerm.Residual;
    private FlowPrior? prior;
    private ImageSource? images;
    private GaussianNoise? syntheticNoise;
    private long noiseSeed;
    private IBlurKernel blur = BlurKernels.Identity;
    private PriorWeight weight = PriorWeight.Discrepancy();
    private DenoiserNetworkOptions network = new();

    /// <summary>Creates a trainer without a prior (set it with <see cref="WithPrior"/>).</summary>
    public DenoiserTrainer() : base(defaultWarmupSteps: 100, defaultGradientClip: 1.0) { }

    /// <summary>Creates a trainer for <paramref name="prior"/>.</summary>
    public DenoiserTrainer(FlowPrior prior) : this() => this.prior = prior;

    /// <summary>The frozen clean-image prior f_C.</summary>
    public DenoiserTrainer WithPrior(FlowPrior value) { prior = value; return this; }

    /// <summary>Noisy training images from a folder.</summary>
    public DenoiserTrainer WithNoisyImages(string folder) { images = ImageSource.FromFolder(folder); return this; }

    /// <summary>Noisy training images from files.</summary>
    public DenoiserTrainer WithNoisyImages(IEnumerable<string> files) { images = ImageSource.FromFiles(files); return this; }

    /// <summary>Noisy training images as tensors [C, H, W] (values near [0, 1]).</summary>
    public DenoiserTrainer WithNoisyImages(IEnumerable<Tensor> tensors) { images = ImageSource.FromTensors(tensors); return this; }

    /// <summary>Noisy training images from any <see cref="ImageSource"/>.</summary>
    public DenoiserTrainer WithNoisyImages(ImageSource source) { images = source; return this; }

    /// <summary>
    /// For experiments: the images given are clean, and <paramref name="noise"/> is added ONCE per image (seeded) to make a fixed
    /// noisy training set; the clean versions are dropped right after and never used.
    /// </summary>
    public DenoiserTrainer WithSyntheticNoise(GaussianNoise noise, long seed = 0) { syntheticNoise = noise; noiseSeed = seed; return this; }

    /// <summary>The blur kernel B of the data term (default identity).</summary>
    public DenoiserTrainer WithBlur(IBlurKernel kernel) { blur = kernel; return this; }

    /// <summary>The prior weight lambda policy (default <see cref="PriorWeight.Discrepancy"/> with estimated noise levels).</summary>
    public DenoiserTrainer WithPriorWeight(PriorWeight policy) { weight = policy; return this; }

    /// <summary>The data term: <see cref="DataTerm.Residual"/> (the paper's, the default) or <see cref="DataTerm.Sure"/> (needs the identity blur).</summary>
    public DenoiserTrainer WithDataTerm(DataTerm term) { dataTerm = term; return this; }

    /// <summary>A constant prior weight lambda.</summary>
    public DenoiserTrainer WithPriorWeight(double lambda) { weight = PriorWeight.Constant(lambda); return this; }

    /// <summary>The network (channels follow the prior).</summary>
    public DenoiserTrainer WithNetwork(int residualBlocks, int width) { network = network with { ResidualBlocks = residualBlocks, Width = width }; return this; }

    /// <summary>The network options (channels follow the prior).</summary>
    public DenoiserTrainer WithNetwork(DenoiserNetworkOptions options) { network = options; return this; }

    /// <summary>Trains on a background thread; see <see cref="Train"/>.</summary>
    public Task<Denoiser> TrainAsync(IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Factory.StartNew(() => Train(progress, cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Validates, loads the noisy images and trains; runs on the calling thread.</summary>
    /// <exception cref="ArgumentException">Invalid configuration (all problems listed), channel mismatch, unusable images.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; a checkpoint was written first when a path is set.</exception>
    /// <exception cref="TrainingDivergedException">The loss became NaN; the last good checkpoint is kept.</exception>
    public Denoiser Train(IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Validate();
        var frozen = prior!;
        var target = Devices.Require(Device ?? frozen.Device);
        var options = network with { Channels = frozen.Channels };
        var data = LoadNoisyImages(frozen.Channels, cancellationToken);
        var sampler = new PatchSampler(data, PatchSize, Augment, Seed);
        var sigmas = NoiseLevels(data, options.NoiseLevelInput);
        long pixels = data.Sum(d => d.Image.shape[1] * d.Image.shape[2]);
        long? totalSteps = TotalSteps(pixels);
        double blurEnergy = blur.SumOfSquaredTaps;
        Logger.LogInformation("Denoiser: {Count} noisy images from {Source}, blur {Blur}, prior weight {Weight}, network {Architecture} {Blocks}x{Width}, device {Device}",
            data.Count, images!.Description, blur.Name, weight.Description, options.Architecture, options.ResidualBlocks, options.Width, target);

        manual_seed(Seed);
        var model = new DenoiserNetwork(options);
        model.to(target).DetachFromScopes();
        string configJson = Json.Write(new
        {
            Architecture = new Denoiser.TrainingArchitecture(options, blur.Name), BlurTaps = Denoiser.ToJagged(blur.GetTaps()),
            Weight = weight.Description, PatchSize, BatchSize, Seed, DataTerm = dataTerm.ToString(),
        });
        var loss = new UnpairedDenoisingLoss(frozen.Model, blur, weight, options.BoundedOutput, Seed);
        var session = CreateSession(TrainingStage.Denoiser, model, CheckpointKind, configJson, totalSteps, progress);
        var (end, seconds) = session.Run(new DenoiserObjective(model, loss, sampler, sigmas, BatchSize, target, Logger, dataTerm == DataTerm.Sure, Seed), cancellationToken);
        var recent = session.Recent;

        var sortedSigmas = sigmas.OrderBy(s => s).ToArray();
        var info = new DenoiserInfo(end, PatchSize, data.Count, weight.Description,
            recent.Count > 0 ? recent[^1].PriorWeight : double.NaN,
            sortedSigmas.Length == 0 ? Array.Empty<double>() : new[] { sortedSigmas[0], sortedSigmas[sortedSigmas.Length / 2], sortedSigmas[^1] },
            recent.Count > 0 ? recent.Average(r => r.DataTerm) : double.NaN,
            recent.Count > 0 ? recent.Average(r => r.BitsPerDim) : double.NaN,
            seconds)
        { DataTerm = dataTerm };
        foreach (var (_, image) in data) image.Dispose();
        return new Denoiser(model, blur, info);
    }

    private IReadOnlyList<(string Name, Tensor Image)> LoadNoisyImages(int channels, CancellationToken cancellationToken)
    {
        var loaded = images!.Load(channels, ReadOptions, Logger, cancellationToken);
        if (syntheticNoise is null) return loaded;
        var noisy = new List<(string, Tensor)>();
        for (int i = 0; i < loaded.Count; i++)
        {
            var (name, clean) = loaded[i];
            using var batch = syntheticNoise.Apply(clean.unsqueeze(0), noiseSeed * 1_000_003 + i);
            noisy.Add((name, batch.Noisy.squeeze(0).clone()));
            clean.Dispose();
        }
        Logger.LogInformation("Denoiser: added {Noise} once to each of {Count} images (seed {Seed}); the clean versions were dropped", syntheticNoise, noisy.Count, noiseSeed);
        return noisy;
    }

    /// <summary>
    /// Per-image noise level (0..255): given, or estimated from each whole noisy image; zeros when neither the policy, the
    /// network nor the data term (SURE weighs the divergence by sigma^2) needs them.
    /// </summary>
    private double[] NoiseLevels(IReadOnlyList<(string Name, Tensor Image)> data, bool networkTakesThem)
    {
        if (!weight.NeedsNoiseLevels && !networkTakesThem && dataTerm != DataTerm.Sure) return new double[data.Count];
        if (weight.GivenSigma255 is { } given) return Enumerable.Repeat(given, data.Count).ToArray();
        var estimates = data.Select(d => NoiseLevelEstimator.Estimate(d.Image)).ToArray();
        var sorted = estimates.OrderBy(s => s).ToArray();
        Logger.LogInformation("Denoiser: estimated noise levels (0..255): min {Min:F2}, median {Median:F2}, max {Max:F2}",
            sorted[0], sorted[sorted.Length / 2], sorted[^1]);
        return estimates.Select(s => Math.Max(s, 0.5)).ToArray();
    }

    private void Validate()
    {
        var problems = new List<string>();
        if (prior is null) problems.Add("Prior: no prior was given (WithPrior or the constructor).");
        if (images is null) problems.Add("NoisyImages: no noisy training images were given (WithNoisyImages).");
        if (blur is null) problems.Add("Blur: the blur kernel is null.");
        if (weight is null) problems.Add("PriorWeight: the prior weight is null.");
        if (!Enum.IsDefined(dataTerm)) problems.Add($"DataTerm: unknown value {dataTerm}.");
        if (dataTerm == DataTerm.Sure && blur is not null && blur.Name != IdentityBlurKernel.KernelName)
            problems.Add($"DataTerm: Sure needs the identity blur, got '{blur.Name}'.");
        if (weight is { FadesOut: true } && dataTerm != DataTerm.Sure)
            problems.Add($"PriorWeight: {weight.Description} needs DataTerm.Sure: with the plain residual and no prior the network learns to return its input.");
        problems.AddRange((network with { Channels = prior?.Channels ?? 1 }).Problems());
        problems.AddRange(SharedProblems(prior?.SizeMultiple));
        ThrowIfAny("denoiser training", problems);
    }
}
