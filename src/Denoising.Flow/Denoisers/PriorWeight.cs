using Denoising.Flow.Denoisers;
namespace Denoising.Flow;

/// <summary>
/// The prior weight lambda of the stage-2 loss (<see cref="UnpairedDenoisingLoss"/>), per image:
/// <c>loss_i = mean over pixels of (B*(D(N_i) - N_i))^2 + lambda_i * (-log f_C(D(N_i)) / D)</c>,
/// i.e. both terms are per pixel (per dimension D = C*H*W): the data term is a mean squared error on the [0, 1]
/// scale and the prior term a negative log-likelihood in nats per dimension. Lambda is therefore independent of
/// the patch size. The maximum-a-posteriori weight for Gaussian noise of std sigma (on [0, 1]) is
/// lambda = 2 sigma^2 sum(k^2), k the blur taps.
/// </summary>
/// <remarks>
/// Three policies: <see cref="Discrepancy"/> (the default and the recommended one: no hand tuning, any mix of noise levels),
/// <see cref="Constant"/> (the paper's single lambda) and <see cref="Scheduled"/>. Immutable definitions; the trainer creates
/// the run-time state (the adapted factor) from them and checkpoints it.
/// </remarks>
public abstract class PriorWeight
{
    private PriorWeight() { }

    /// <summary>A short description, stored with the trained denoiser.</summary>
    public abstract string Description { get; }

    /// <summary>True when the policy needs each training image's noise level (given or estimated).</summary>
    internal abstract bool NeedsNoiseLevels { get; }

    /// <summary>The noise level (0..255 scale) the user stated, or null to estimate it per image.</summary>
    internal virtual double? GivenSigma255 => null;

    /// <summary>True when lambda goes to 0 before the end of training (<see cref="FadedOut"/>).</summary>
    internal virtual bool FadesOut => false;

    /// <summary>One lambda for every image and step (the paper's setting).</summary>
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
    /// The default: the per-image MAP weight lambda_i = gamma * 2 * sigma_i^2 * sum(k^2), with its one factor gamma adapted by the
    /// discrepancy principle over all samples, so that the batch's blurred residual energy approaches
    /// <paramref name="targetRatio"/> * sum_i sigma_i^2 sum(k^2). Each training image's noise level is estimated from it (MAD of its
    /// finest diagonal wavelet band) unless <paramref name="noiseSigma255"/> gives it. One adapted number serves every noise level
    /// (blind denoising); pair it with a network that takes the noise level (<see cref="DenoiserNetworkOptions.NoiseLevelInput"/>).
    /// </summary>
    /// <remarks>
    /// The update is damped, so that gamma cannot run away while the identity-initialised network's residual is still near zero:
    /// gamma is held for the first <paramref name="holdSteps"/> steps; the log of target / observed residual energy is clipped to
    /// [-1, 1] per step and averaged exponentially (time constant 10 steps); after the hold gamma moves by
    /// exp(<paramref name="adaptationRate"/> * average) per step, within [1e-6, 1e3].
    /// </remarks>
    /// <param name="initialGamma">Starting factor of the MAP weight.</param>
    /// <param name="adaptationRate">Log-space step of gamma per training step, in (0, 1).</param>
    /// <param name="noiseSigma255">The noise level when known (0..255); estimated per image when null.</param>
    /// <param name="targetRatio">Residual energy aimed at, as a multiple of the noise energy (Morozov's tau), in [0.5, 4].
    /// Above 1 smooths more: an imperfect denoiser's residual holds its error besides the noise.</param>
    /// <param name="holdSteps">Steps during which gamma stays at <paramref name="initialGamma"/> (0 or more).</param>
    public static PriorWeight Discrepancy(double initialGamma = 0.25, double adaptationRate = 0.02, double? noiseSigma255 = null, double targetRatio = 1.0, int holdSteps = 100)
    {
        if (!(targetRatio >= 0.5 && targetRatio <= 4)) throw new ArgumentOutOfRangeException(nameof(targetRatio), targetRatio, "The target ratio must lie in [0.5, 4].");
        if (!(initialGamma > 0) || double.IsInfinity(initialGamma)) throw new ArgumentOutOfRangeException(nameof(initialGamma), initialGamma, "gamma must be positive and finite.");
        if (!(adaptationRate > 0 && adaptationRate < 1)) throw new ArgumentOutOfRangeException(nameof(adaptationRate), adaptationRate, "The rate must lie in (0, 1).");
        if (noiseSigma255 is { } s && !(s > 0 && s <= 255)) throw new ArgumentOutOfRangeException(nameof(noiseSigma255), s, "The noise level must lie in (0, 255].");
        if (holdSteps < 0) throw new ArgumentOutOfRangeException(nameof(holdSteps), holdSteps, "The hold must be 0 steps or more.");
        return new DiscrepancyWeight(initialGamma, adaptationRate, noiseSigma255, targetRatio, holdSteps);
    }

    /// <summary>
    /// This policy with lambda faded out at the end of training: unchanged before <paramref name="fromStep"/>, then multiplied by
    /// a half cosine from 1 to 0 at <paramref name="toStep"/>, and 0 after it. From <paramref name="fromStep"/> on the policy stops
    /// adapting (an adapted factor such as the discrepancy principle's gamma is frozen where it stands; otherwise it would undo the
    /// fade). With <see cref="DataTerm.Sure"/> the end of training then minimises SURE alone, an unbiased estimate of the squared
    /// error, starting from the prior's solution. Training refuses a faded weight with the plain residual data term, whose
    /// minimum without the prior is the identity.
    /// </summary>
    /// <param name="fromStep">First step of the fade (0-based, 0 or more).</param>
    /// <param name="toStep">Step where lambda reaches 0 (after <paramref name="fromStep"/>).</param>
    public PriorWeight FadedOut(long fromStep, long toStep)
    {
        if (fromStep < 0) throw new ArgumentOutOfRangeException(nameof(fromStep), fromStep, "The fade must start at step 0 or later.");
        if (toStep <= fromStep) throw new ArgumentOutOfRangeException(nameof(toStep), toStep, $"The fade must end after it starts (step {fromStep}).");
        return new FadedWeight(this, fromStep, toStep);
    }

    /// <summary>Creates the run-time state; <paramref name="resumed"/> restores the adapted state from a checkpoint.</summary>
    internal abstract PriorWeightController CreateController(PriorWeightState? resumed);

    /// <inheritdoc />
    public override string ToString() => Description;

    private sealed class ScheduledWeight(Func<long, double> schedule, string description) : PriorWeight
    {
        public override string Description => description;

        internal override bool NeedsNoiseLevels => false;

        internal override PriorWeightController CreateController(PriorWeightState? resumed) => new PriorWeightController.Scheduled(schedule);
    }

    private sealed class FadedWeight(PriorWeight inner, long from, long to) : PriorWeight
    {
        public override string Description => $"{inner.Description}, faded out over steps {from}-{to}";

        internal override bool NeedsNoiseLevels => inner.NeedsNoiseLevels;

        internal override double? GivenSigma255 => inner.GivenSigma255;

        internal override bool FadesOut => true;

        internal override PriorWeightController CreateController(PriorWeightState? resumed) =>
            new PriorWeightController.Faded(inner.CreateController(resumed), from, to);
    }

    private sealed class DiscrepancyWeight(double gamma, double rate, double? sigma, double ratio, int hold) : PriorWeight
    {
        public override string Description =>
            $"discrepancy(initial-gamma={gamma:G3}, rate={rate:G3}, sigma={(sigma is { } s ? s.ToString("G4") : "estimated")}{(ratio == 1 ? "" : $", target-ratio={ratio:G3}")}, hold={hold})";

        internal override bool NeedsNoiseLevels => true;

        internal override double? GivenSigma255 => sigma;

        internal override PriorWeightController CreateController(PriorWeightState? resumed) =>
            new PriorWeightController.Discrepancy(resumed ?? new PriorWeightState(gamma, 0), rate, ratio, hold);
    }
}
