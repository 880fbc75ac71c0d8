using static TorchSharp.torch;

namespace Denoising.Flow.Denoisers;

/// <summary>
/// The prior weight lambda of the stage-2 loss, per image:
/// <c>loss_i = mean over pixels of (B*(D(N_i) - N_i))^2 + lambda_i * (-log f_C(D(N_i)) / D)</c>,
/// i.e. both terms are per pixel (per dimension D = C*H*W): the data term is a mean squared error on the [0, 1]
/// scale and the prior term a negative log-likelihood in nats per dimension. Lambda is therefore independent of
/// the patch size. The maximum-a-posteriori weight for Gaussian noise of std sigma (on [0, 1]) is
/// lambda = 2 sigma^2 sum(k^2), k the blur taps.
/// </summary>
/// <remarks>Immutable definitions; the trainer creates the run-time state (e.g. the adapted lambda) from them.</remarks>
public abstract class PriorWeight
{
    private PriorWeight() { }

    /// <summary>A short description, stored with the trained denoiser.</summary>
    public abstract string Description { get; }

    /// <summary>True when the policy needs each training image's noise level (given or estimated).</summary>
    internal abstract bool NeedsNoiseLevels { get; }

    /// <summary>The noise level (0..255 scale) the user stated, or null to estimate it per image.</summary>
    internal virtual double? GivenSigma255 => null;

    /// <summary>One lambda for every image and step.</summary>
    public static PriorWeight Constant(double lambda)
    {
        if (!(lambda >= 0) || double.IsInfinity(lambda)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "lambda must be finite and non-negative.");
        return new ScheduledWeight(_ => lambda, $"constant({lambda:G4})");
    }

    /// <summary>Lambda as a function of the step (0-based), e.g. a warm-up.</summary>
    public static PriorWeight Scheduled(Func<long, double> schedule, string description)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentException.ThrowIfNullOrEmpty(description);
        return new ScheduledWeight(schedule, $"scheduled({description})");
    }

    /// <summary>
    /// The discrepancy principle: lambda is adapted during training (multiplicatively, by <paramref name="adaptationRate"/> per step
    /// in log space) until the mean blurred residual energy equals the noise energy left after blurring, sigma^2 * sum(k^2).
    /// Needs no clean image: the noise level is <paramref name="noiseSigma255"/> when given, else estimated from each noisy
    /// training image (robust median-absolute-deviation estimate on its finest diagonal wavelet band).
    /// </summary>
    public static PriorWeight Discrepancy(double? noiseSigma255 = null, double initialLambda = 0.01, double adaptationRate = 0.02)
    {
        if (noiseSigma255 is { } s && !(s > 0)) throw new ArgumentOutOfRangeException(nameof(noiseSigma255), s, "The noise level must be positive.");
        if (!(initialLambda > 0)) throw new ArgumentOutOfRangeException(nameof(initialLambda), initialLambda, "lambda must be positive.");
        if (!(adaptationRate > 0 && adaptationRate < 1)) throw new ArgumentOutOfRangeException(nameof(adaptationRate), adaptationRate, "The rate must lie in (0, 1).");
        return new DiscrepancyWeight(noiseSigma255, initialLambda, adaptationRate);
    }

    /// <summary>
    /// Per-image MAP weight scaled by <paramref name="gamma"/>: lambda_i = gamma * 2 * sigma_i^2 * sum(k^2), sigma_i given or estimated
    /// per noisy training image. Keeps one model working across noise levels (blind denoising).
    /// </summary>
    public static PriorWeight NoiseAdaptive(double gamma = 1.0, double? noiseSigma255 = null)
    {
        if (!(gamma > 0) || double.IsInfinity(gamma)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "gamma must be positive and finite.");
        return new NoiseAdaptiveWeight(gamma, noiseSigma255);
    }

    /// <summary>
    /// Blind denoising: the discrepancy principle per noise level. Each training image's noise level is estimated (or given);
    /// images are grouped in bins of <paramref name="binWidth255"/> (0..255 scale) and every bin has its own lambda, adapted
    /// until that bin's blurred residual energy equals sigma^2 sum(k^2). A bin starts at <paramref name="initialGamma"/> times
    /// the MAP weight. One model then serves every noise level without a hand-tuned lambda.
    /// </summary>
    public static PriorWeight DiscrepancyPerNoiseLevel(double binWidth255 = 5, double initialGamma = 0.3, double adaptationRate = 0.05)
    {
        if (!(binWidth255 > 0)) throw new ArgumentOutOfRangeException(nameof(binWidth255), binWidth255, "The bin width must be positive.");
        if (!(initialGamma > 0)) throw new ArgumentOutOfRangeException(nameof(initialGamma), initialGamma, "gamma must be positive.");
        if (!(adaptationRate > 0 && adaptationRate < 1)) throw new ArgumentOutOfRangeException(nameof(adaptationRate), adaptationRate, "The rate must lie in (0, 1).");
        return new BinnedDiscrepancyWeight(binWidth255, initialGamma, adaptationRate);
    }

    /// <summary>
    /// Blind denoising: the MAP scaling of <see cref="NoiseAdaptive"/>, lambda_i = gamma * 2 * sigma_i^2 * sum(k^2), with its one
    /// factor gamma adapted by the discrepancy principle over all samples (the batch's blurred residual energy is driven to
    /// sum_i sigma_i^2 sum(k^2)). Each training image's noise level is estimated from it (or given). One adapted number
    /// instead of one per noise level: stable with few images per level, and no hand tuning. Pair it with a network that
    /// takes the noise level (<see cref="DenoiserNetworkOptions.NoiseLevelInput"/>) so the model can act on each level.
    /// </summary>
    /// <param name="initialGamma">Starting factor of the MAP weight.</param>
    /// <param name="adaptationRate">Log-space step of gamma per training step.</param>
    /// <param name="noiseSigma255">The noise level when known (0..255); estimated per image when null.</param>
    /// <param name="targetRatio">Residual energy aimed at, as a multiple of the noise energy (Morozov's tau; default 1).
    /// Above 1 smooths more: an imperfect denoiser's residual holds its error besides the noise.</param>
    public static PriorWeight ScaledDiscrepancy(double initialGamma = 0.25, double adaptationRate = 0.02, double? noiseSigma255 = null, double targetRatio = 1.0)
    {
        if (!(targetRatio >= 0.5 && targetRatio <= 4)) throw new ArgumentOutOfRangeException(nameof(targetRatio), targetRatio, "The target ratio must lie in [0.5, 4].");
        if (!(initialGamma > 0) || double.IsInfinity(initialGamma)) throw new ArgumentOutOfRangeException(nameof(initialGamma), initialGamma, "gamma must be positive and finite.");
        if (!(adaptationRate > 0 && adaptationRate < 1)) throw new ArgumentOutOfRangeException(nameof(adaptationRate), adaptationRate, "The rate must lie in (0, 1).");
        if (noiseSigma255 is { } s && !(s > 0)) throw new ArgumentOutOfRangeException(nameof(noiseSigma255), s, "The noise level must be positive.");
        return new ScaledDiscrepancyWeight(initialGamma, adaptationRate, noiseSigma255, targetRatio);
    }

    /// <summary>Creates the run-time state; <paramref name="resumed"/> restores adapted values from a checkpoint.</summary>
    internal abstract PriorWeightController CreateController(IReadOnlyDictionary<string, double>? resumed);

    /// <inheritdoc />
    public override string ToString() => Description;

    private sealed class ScheduledWeight(Func<long, double> schedule, string description) : PriorWeight
    {
        public override string Description => description;

        internal override bool NeedsNoiseLevels => false;

        internal override PriorWeightController CreateController(IReadOnlyDictionary<string, double>? resumed) => new PriorWeightController.Scheduled(schedule);
    }

    private sealed class DiscrepancyWeight(double? sigma, double initial, double rate) : PriorWeight
    {
        public override string Description => $"discrepancy(sigma={(sigma is { } s ? s.ToString("G4") : "estimated")}, initial={initial:G3}, rate={rate:G3})";

        internal override bool NeedsNoiseLevels => true;

        internal override double? GivenSigma255 => sigma;

        internal override PriorWeightController CreateController(IReadOnlyDictionary<string, double>? resumed) =>
            new PriorWeightController.Discrepancy(resumed is not null && resumed.TryGetValue("lambda", out var l) ? l : initial, rate);
    }

    private sealed class BinnedDiscrepancyWeight(double binWidth, double gamma, double rate) : PriorWeight
    {
        public override string Description => $"discrepancy-per-noise-level(bin={binWidth:G3}, initial-gamma={gamma:G3}, rate={rate:G3})";

        internal override bool NeedsNoiseLevels => true;

        internal override PriorWeightController CreateController(IReadOnlyDictionary<string, double>? resumed) =>
            new PriorWeightController.BinnedDiscrepancy(binWidth, gamma, rate, resumed);
    }

    private sealed class NoiseAdaptiveWeight(double gamma, double? sigma) : PriorWeight
    {
        public override string Description => $"noise-adaptive(gamma={gamma:G4}, sigma={(sigma is { } s ? s.ToString("G4") : "estimated")})";

        internal override bool NeedsNoiseLevels => true;

        internal override double? GivenSigma255 => sigma;

        internal override PriorWeightController CreateController(IReadOnlyDictionary<string, double>? resumed) => new PriorWeightController.NoiseAdaptive(gamma);
    }

    private sealed class ScaledDiscrepancyWeight(double gamma, double rate, double? sigma, double ratio) : PriorWeight
    {
        public override string Description =>
            $"scaled-discrepancy(initial-gamma={gamma:G3}, rate={rate:G3}, sigma={(sigma is { } s ? s.ToString("G4") : "estimated")}{(ratio == 1 ? "" : $", target-ratio={ratio:G3}")})";

        internal override bool NeedsNoiseLevels => true;

        internal override double? GivenSigma255 => sigma;

        internal override PriorWeightController CreateController(IReadOnlyDictionary<string, double>? resumed) =>
            new PriorWeightController.ScaledDiscrepancy(resumed is not null && resumed.TryGetValue("gamma", out var g) ? g : gamma, rate, ratio);
    }
}
