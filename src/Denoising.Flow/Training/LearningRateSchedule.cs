namespace Denoising.Flow.Training;

/// <summary>Linear warm-up from 0 to the base rate, then constant, or cosine decay to <see cref="FinalFraction"/> of it when the step budget is known.</summary>
/// <param name="BaseRate">The learning rate after warm-up.</param>
/// <param name="WarmupSteps">Steps of linear warm-up.</param>
/// <param name="Cosine">Decay with a half cosine over the step budget after warm-up.</param>
/// <param name="FinalFraction">Fraction of the base rate reached at the end of the cosine.</param>
internal sealed record LearningRateSchedule(double BaseRate, int WarmupSteps = 0, bool Cosine = false, double FinalFraction = 0.05)
{
    /// <summary>The rate at step <paramref name="step"/> (0-based) of <paramref name="totalSteps"/>.</summary>
    public double At(long step, long? totalSteps)
    {
        if (WarmupSteps > 0 && step < WarmupSteps) return BaseRate * (step + 1) / WarmupSteps;
        if (!Cosine || totalSteps is not { } total || total <= WarmupSteps) return BaseRate;
        double t = Math.Clamp((double)(step - WarmupSteps) / (total - WarmupSteps), 0, 1);
        return BaseRate * (FinalFraction + (1 - FinalFraction) * 0.5 * (1 + Math.Cos(Math.PI * t)));
    }

    internal IEnumerable<string> Problems()
    {
        if (!(BaseRate > 0) || double.IsInfinity(BaseRate)) yield return $"LearningRate: must be positive and finite, got {BaseRate}.";
        if (WarmupSteps < 0) yield return $"WarmupSteps: must not be negative, got {WarmupSteps}.";
        if (!(FinalFraction >= 0 && FinalFraction <= 1)) yield return $"FinalFraction: must lie in [0, 1], got {FinalFraction}.";
    }
}
