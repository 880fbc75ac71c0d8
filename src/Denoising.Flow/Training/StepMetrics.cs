namespace Denoising.Flow.Training;

/// <summary>What one optimizer step measured (plain doubles, read inside the step's dispose scope).</summary>
internal readonly record struct StepMetrics(double Loss, double DataTerm, double PriorTerm, double BitsPerDim, double PriorWeight, double LearningRate)
{
    /// <summary>The gradient norm before clipping (0 when the step did not compute one, e.g. after a non-finite loss).</summary>
    public double GradientNorm { get; init; }
}
