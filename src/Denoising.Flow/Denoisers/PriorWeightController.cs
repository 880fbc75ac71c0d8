namespace Denoising.Flow.Denoisers;

/// <summary>Run-time state of a <see cref="PriorWeight"/> during one training run.</summary>
internal abstract class PriorWeightController
{
    /// <summary>The adapted state to store in a checkpoint, or null when the policy adapts nothing.</summary>
    public virtual PriorWeightState? State => null;

    /// <summary>Per-sample lambdas [B] for this step. Noise levels are on the [0, 1] scale; <paramref name="blurEnergy"/> = sum(k^2).</summary>
    public abstract double[] Weights(long step, double[] sigmas, double blurEnergy);

    /// <summary>Sees the per-sample data terms of the step (mean blurred residual^2).</summary>
    public virtual void Observe(long step, double[] dataTerms, double[] sigmas, double blurEnergy) { }

    /// <summary>The MAP weight for Gaussian noise sigma (on [0, 1]) under a blurred data term: 2 sigma^2 sum(k^2).</summary>
    public static double MapWeight(double sigma, double blurEnergy) => 2 * sigma * sigma * blurEnergy;

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

    /// <summary>lambda_i = gamma * 2 sigma_i^2 sum(k^2); gamma follows the damped discrepancy principle pooled over the batch.</summary>
    internal sealed class Discrepancy(PriorWeightState start, double rate, double targetRatio, int holdSteps) : PriorWeightController
    {
        public const double Min = 1e-6;
        public const double Max = 1e3;

        /// <summary>Weight of the newest observation in the exponential average (time constant 10 steps).</summary>
        public const double Smoothing = 0.1;

        private double gamma = start.Gamma;
        private double smoothed = start.SmoothedLogRatio;

        public override PriorWeightState State => new(gamma, smoothed);

        public override double[] Weights(long step, double[] sigmas, double blurEnergy) =>
            sigmas.Select(s => gamma * MapWeight(s, blurEnergy)).ToArray();

        /// <summary>
        /// A residual energy below the target means the output still follows the noise, so gamma grows (and shrinks above it).
        /// Unusable measurements (non-positive or non-finite) change nothing.
        /// </summary>
        public override void Observe(long step, double[] dataTerms, double[] sigmas, double blurEnergy)
        {
            double target = targetRatio * sigmas.Sum(s => s * s * blurEnergy), observed = dataTerms.Sum();
            if (!(target > 0 && observed > 0 && double.IsFinite(observed))) return;
            smoothed += Smoothing * (Math.Clamp(Math.Log(target / observed), -1, 1) - smoothed);
            if (step >= holdSteps) gamma = Math.Clamp(gamma * Math.Exp(rate * smoothed), Min, Max);
        }
    }

    /// <summary>An inner policy's lambdas times a half-cosine fade from 1 to 0 over [from, to]; the inner policy stops adapting at from.</summary>
    internal sealed class Faded(PriorWeightController inner, long from, long to) : PriorWeightController
    {
        public override PriorWeightState? State => inner.State;

        /// <summary>The fade factor at <paramref name="step"/>: 1 before from, 0 from to on.</summary>
        public double Factor(long step) =>
            step < from ? 1 : step >= to ? 0 : 0.5 * (1 + Math.Cos(Math.PI * (step - from) / (to - from)));

        public override double[] Weights(long step, double[] sigmas, double blurEnergy)
        {
            double factor = Factor(step);
            return inner.Weights(step, sigmas, blurEnergy).Select(w => w * factor).ToArray();
        }

        public override void Observe(long step, double[] dataTerms, double[] sigmas, double blurEnergy)
        {
            if (step < from) inner.Observe(step, dataTerms, sigmas, blurEnergy);
        }
    }
}
