using static TorchSharp.torch;

namespace Denoising.Flow.Denoisers;

/// <summary>Run-time state of a <see cref="PriorWeight"/> during one training run.</summary>
internal abstract class PriorWeightController
{
    /// <summary>The lambda to store in a checkpoint (the adapted value), if any.</summary>
    public virtual double? State => null;

    /// <summary>Per-sample lambdas [B] for this step. Noise levels are on the [0, 1] scale; <paramref name="blurEnergy"/> = sum(k^2).</summary>
    public abstract double[] Weights(long step, double[] sigmas, double blurEnergy);

    /// <summary>Sees the per-sample data terms of the step (mean blurred residual^2).</summary>
    public virtual void Observe(double[] dataTerms, double[] sigmas, double blurEnergy) { }

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

        public override double? State => lambda;

        public override double[] Weights(long step, double[] sigmas, double blurEnergy) => Enumerable.Repeat(lambda, sigmas.Length).ToArray();

        public override void Observe(double[] dataTerms, double[] sigmas, double blurEnergy)
        {
            double target = sigmas.Sum(s => s * s * blurEnergy);
            double observed = dataTerms.Sum();
            if (!(target > 0) || !(observed > 0) || !double.IsFinite(observed)) return;
            // Residual below the noise energy: the output still follows the noise, so weigh the prior more (and vice versa).
            lambda = Math.Clamp(lambda * Math.Exp(rate * Math.Log(target / observed)), Min, Max);
        }
    }

    internal sealed class NoiseAdaptive(double gamma) : PriorWeightController
    {
        public override double[] Weights(long step, double[] sigmas, double blurEnergy) =>
            sigmas.Select(s => gamma * 2 * s * s * blurEnergy).ToArray();
    }
}
