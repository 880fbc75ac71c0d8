namespace Denoising.Flow.Training;

/// <summary>
/// Decides when training has diverged. The rule (documented in docs/reliability.md): the loss or the gradient norm is
/// not finite, or, once <see cref="MinimumHistory"/> steps are known, the loss exceeds its running median over the last
/// <see cref="Window"/> steps by more than <see cref="ExplosionFactor"/> times the losses' typical magnitude there (the
/// median of their absolute values). Healthy training moves the loss by a few times at most over a window (the prior weight
/// grows by at most 2% per step); an exploding one passes 100x within a few steps and then grows without bound while staying
/// finite. The magnitude, not the median itself, sets the scale because a loss can straddle zero (Stein's unbiased risk
/// estimate plus the prior term is a difference of terms): its median may then be far smaller than any healthy step.
/// </summary>
internal sealed class DivergenceGuard
{
    public const int Window = 100;
    public const int MinimumHistory = 10;
    public const double ExplosionFactor = 100;

    private readonly Queue<double> history = new();

    /// <summary>Why the step counts as divergence, or null when it does not; a healthy step joins the history.</summary>
    public string? Check(StepMetrics metrics)
    {
        if (!double.IsFinite(metrics.Loss))
        {
            return $"the loss became {metrics.Loss}";
        }

        if (!double.IsFinite(metrics.GradientNorm))
        {
            return $"the gradient norm became {metrics.GradientNorm}";
        }

        if (history.Count >= MinimumHistory)
        {
            double median = Median(history);
            double magnitude = Median(history.Select(Math.Abs));
            double bound = median + (ExplosionFactor * Math.Max(magnitude, 1e-12));
            if (metrics.Loss > bound)
            {
                return FormattableString.Invariant(
                    $"the loss exploded to {metrics.Loss:G4}, above its running median ({median:G4} over the last {history.Count} steps) by more than {ExplosionFactor} times the losses' typical magnitude ({magnitude:G4})");
            }
        }

        history.Enqueue(metrics.Loss);
        if (history.Count > Window)
        {
            history.Dequeue();
        }

        return null;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[(n / 2) - 1] + sorted[n / 2]);
    }
}
