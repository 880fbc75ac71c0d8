namespace Denoising.Flow;

/// <summary>How a <see cref="Denoiser"/> was trained (saved with it).</summary>
/// <param name="Steps">Optimizer steps.</param>
/// <param name="PatchSize">Side of the square training patches.</param>
/// <param name="TrainingImages">Number of noisy training images.</param>
/// <param name="PriorWeight">The prior-weight policy.</param>
/// <param name="FinalPriorWeight">Mean lambda of the last step.</param>
/// <param name="NoiseSigmas255">Min, median and max noise level (0..255) of the training images, given or estimated; empty when unused.</param>
/// <param name="FinalDataTerm">Mean data term of the last steps.</param>
/// <param name="FinalOutputBitsPerDim">Bits/dim the prior gave the denoised patches in the last steps.</param>
/// <param name="TrainingSeconds">Wall time of training, summed over resumed runs.</param>
public sealed record DenoiserInfo(
    long Steps,
    int PatchSize,
    int TrainingImages,
    string PriorWeight,
    double FinalPriorWeight,
    IReadOnlyList<double> NoiseSigmas255,
    double FinalDataTerm,
    double FinalOutputBitsPerDim,
    double TrainingSeconds)
{
    /// <summary>
    /// The data term the denoiser was trained with (<see cref="DenoiserTrainer.WithDataTerm"/>).
    /// Models saved before it was recorded read as <see cref="Flow.DataTerm.Residual"/>, whatever term trained them.
    /// </summary>
    public DataTerm DataTerm { get; init; } = DataTerm.Residual;
}
