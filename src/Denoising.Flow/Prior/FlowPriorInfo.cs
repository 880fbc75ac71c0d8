namespace Denoising.Flow;

/// <summary>How a <see cref="FlowPrior"/> was trained (saved with it).</summary>
/// <param name="Steps">Optimizer steps.</param>
/// <param name="PatchSize">Side of the square training patches.</param>
/// <param name="TrainingImages">Number of clean training images.</param>
/// <param name="TrainingBitsPerDim">Bits/dim of the last training batches (dequantised), averaged over the last steps.</param>
/// <param name="ValidationBitsPerDim">Bits/dim on validation patches (dequantised, fixed seed), when validation images were given.</param>
/// <param name="TrainingSeconds">Wall time of training, summed over resumed runs.</param>
public sealed record FlowPriorInfo(long Steps, int PatchSize, int TrainingImages, double TrainingBitsPerDim, double? ValidationBitsPerDim, double TrainingSeconds);
