using static TorchSharp.torch;

namespace Denoising.Flow.Denoisers;

/// <summary>Run-time state of a <see cref="PriorWeight"/> during one training run.</summary>
internal abstract class PriorWeightController
{
    /// <summary>Adapted values to store in a checkpoint (empty when the policy adapts nothing).</summary>
    public virtual IReadOnlyDictionary<string, double> State => new Dictionary<string, double>();

    /// <summary>The adapted lambda of a single-lambda policy, or null.</summary>
    public double? Lambda => State.TryGetValue("lambda", out var l) ? l : null;

    /// <summary>Per-sample lambdas [B] for this step. Noise levels are on the [0, 1] scale; <paramref name="blurEnergy"/> = sum(k^2).</summary>
    public abstract double[] Weights(long step, double[] sigmas, double blurEnergy);

    /// <summary>Sees the per-sample data terms of the step (mean blurred residual^2).</summary>
    public virtual void Observe(double[] dataTerms, double[] sigmas, double blurEnergy) { }

    /// <summary>The MAP weight for Gaussian noise sigma (on [0, 1]) under a blurred data term: 2 sigma^2 sum(k^2).</summary>
    protected static double MapWeight(double sigma, double blurEnergy) => 2 * sigma * sigma * blurEnergy;

    /// <summary>
    /// One step of the discrepancy principle: a residual energy below the target means the output still follows the noise,
    /// so the weight grows (and shrinks above it), multiplicatively by (target / observed)^rate, clamped to [min, max].
    /// Unusable measurements (non-positive or non-finite) leave the weight unchanged.
    /// </summary>
    protected static double Adapt(double weight, double rate, double target, double observed, double min, double max) =>
        target > 0 && observed > 0 && double.IsFinite(observed)
            ? Math.Clamp(weight * Math.Exp(rate * Math.Log(target / observed)), min, max)
            : weight;

    internal sealed class Scheduled(Func<long, double> schedule) : PriorWeightController
    {
        public override double[] Weights(long step, double[] sigmas, double blurEnergy)
        {
            double lambda = schedule(step);
            if (!(lambda >= 0) || double.IsInfinity(lambda))
                throw new InvalidOperationException($"The prior-weight schedule returned {lambda} at step {step}; it must be finite and non-negative.");
            return Enumerable.Repeat(lambda, sigmas.Length).ToArray();
        }
    }

    internal sealed class Discrepancy(double initial, double rate) : PriorWeightController
    {
        private const double Min = 1e-7;
        private const double Max = 1e3;
        private double lambda = initial;

        public override IReadOnlyDictionary<string, double> State => new Dictionary<string, double> { ["lambda"] = lambda };

        public override double[] Weights(long step, double[] sigmas, double blurEnergy) => Enumerable.Repeat(lambda, sigmas.Length).ToArray();

        public override void Observe(double[] dataTerms, double[] sigmas, double blurEnergy) =>
            lambda = Adapt(lambda, rate, sigmas.Sum(s => s * s * blurEnergy), dataTerms.Sum(), Min, Max);
    }

    /// <summary>lambda_i = gamma * 2 sigma_i^2 sum(k^2); gamma follows the discrepancy principle pooled over the batch.</summary>
    internal sealed class ScaledDiscrepancy(double initial, double rate, double targetRatio = 1.0) : PriorWeightController
    {
        private const double Min = 1e-6;
        private const double Max = 1e3;
        private double gamma = initial;

        public override IReadOnlyDictionary<string, double> State => new Dictionary<string, double> { ["gamma"] = gamma };

        public override double[] Weights(long step, double[] sigmas, double blurEnergy) =>
            sigmas.Select(s => gamma * MapWeight(s, blurEnergy)).ToArray();

        public override void Observe(double[] dataTerms, double[] sigmas, double blurEnergy) =>
            gamma = Adapt(gamma, rate, targetRatio * sigmas.Sum(s => s * s * blurEnergy), dataTerms.Sum(), Min, Max);
    }

    internal sealed class NoiseAdaptive(double gamma) : PriorWeightController
    {
        public override double[] Weights(long step, double[] sigmas, double blurEnergy) =>
            sigmas.Select(s => gamma * MapWeight(s, blurEnergy)).ToArray();
    }

    /// <summary>
    /// The discrepancy principle applied separately per noise level: one lambda per bin of sigma (0..255 scale, bins of
    /// <c>binWidth</c>), each adapted only from the samples whose image falls in its bin, so that for every noise level the
    /// blurred residual energy matches sigma^2 sum(k^2). A new bin starts at gamma times the MAP weight 2 sigma^2 sum(k^2).
    /// </summary>
    internal sealed class BinnedDiscrepancy(double binWidth, double initialGamma, double rate, IReadOnlyDictionary<string, double>? resumed) : PriorWeightController
    {
        private const double Min = 1e-7;
        private const double Max = 1e3;
        private readonly Dictionary<int, double> lambdas = (resumed ?? new Dictionary<string, double>())
            .Where(kv => kv.Key.StartsWith("bin", StringComparison.Ordinal))
            .ToDictionary(kv => int.Parse(kv.Key[3..], System.Globalization.CultureInfo.InvariantCulture), kv => kv.Value);

        public override IReadOnlyDictionary<string, double> State =>
            lambdas.ToDictionary(kv => "bin" + kv.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), kv => kv.Value);

        public override double[] Weights(long step, double[] sigmas, double blurEnergy) =>
            sigmas.Select(s => LambdaFor(s, blurEnergy)).ToArray();

        public override void Observe(double[] dataTerms, double[] sigmas, double blurEnergy)
        {
            foreach (var group in sigmas.Select((s, i) => (Bin: Bin(s), Target: s * s * blurEnergy, Observed: dataTerms[i])).GroupBy(x => x.Bin))
            {
                lambdas[group.Key] = Adapt(lambdas[group.Key], rate, group.Sum(g => g.Target), group.Sum(g => g.Observed), Min, Max);
            }
        }

        private int Bin(double sigma01) => (int)Math.Floor(sigma01 * 255 / binWidth);

        private double LambdaFor(double sigma01, double blurEnergy)
        {
            int bin = Bin(sigma01);
            if (!lambdas.TryGetValue(bin, out var lambda))
            {
                double center = (bin + 0.5) * binWidth / 255;
                lambda = lambdas[bin] = Math.Clamp(initialGamma * MapWeight(center, blurEnergy), Min, Max);
            }
            return lambda;
        }
    }
}
