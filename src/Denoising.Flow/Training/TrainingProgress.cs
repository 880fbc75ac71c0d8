namespace Denoising.Flow;

/// <summary>Which stage of the method a progress report or checkpoint belongs to.</summary>
public enum TrainingStage
{
    /// <summary>Stage 1: the flow prior, trained on clean images by maximum likelihood.</summary>
    Prior,

    /// <summary>Stage 2: the denoiser, trained on noisy images with the frozen prior.</summary>
    Denoiser,
}

/// <summary>
/// A progress report of a training run. For <see cref="TrainingStage.Prior"/>, <see cref="DataTerm"/> is 0 and
/// <see cref="PriorTerm"/> is the negative log-likelihood in bits/dim. For <see cref="TrainingStage.Denoiser"/>,
/// <see cref="DataTerm"/> is the mean squared blurred residual per pixel and <see cref="PriorTerm"/> the prior's
/// negative log-likelihood of the output in nats per pixel, so that Loss = DataTerm + PriorWeight * PriorTerm.
/// </summary>
/// <param name="Stage">The stage.</param>
/// <param name="Step">Steps completed so far (including those of a resumed checkpoint).</param>
/// <param name="TotalSteps">The step budget, when training is bounded by steps.</param>
/// <param name="Loss">The loss of the last step.</param>
/// <param name="DataTerm">The data term of the last step.</param>
/// <param name="PriorTerm">The prior term of the last step.</param>
/// <param name="BitsPerDim">Bits/dim the prior gives the last batch (the training images for stage 1, the denoised patches for stage 2).</param>
/// <param name="PriorWeight">The prior weight lambda of the last step (mean over the batch); 0 for stage 1.</param>
/// <param name="LearningRate">The learning rate of the last step.</param>
/// <param name="ImagesPerSecond">Training patches processed per second in this run.</param>
/// <param name="Elapsed">Wall time of this run.</param>
/// <param name="Eta">Estimated time left, when it can be estimated.</param>
public sealed record TrainingProgress(
    TrainingStage Stage,
    long Step,
    long? TotalSteps,
    double Loss,
    double DataTerm,
    double PriorTerm,
    double BitsPerDim,
    double PriorWeight,
    double LearningRate,
    double ImagesPerSecond,
    TimeSpan Elapsed,
    TimeSpan? Eta);
