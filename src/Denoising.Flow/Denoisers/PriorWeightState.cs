namespace Denoising.Flow.Denoisers;

/// <summary>The adapted state of a prior-weight policy, checkpointed and resumed with the training.</summary>
/// <param name="Gamma">The adapted factor of the MAP weight (1 for policies that adapt nothing).</param>
/// <param name="SmoothedLogRatio">Exponential average of the clipped log(target / observed residual energy).</param>
internal sealed record PriorWeightState(double Gamma, double SmoothedLogRatio);
