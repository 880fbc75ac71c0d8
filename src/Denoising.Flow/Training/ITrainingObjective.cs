using System.Text.Json;
using static TorchSharp.torch;

namespace Denoising.Flow.Training;

/// <summary>
/// What one training stage contributes to the shared loop (<see cref="TrainingSession"/>): the loss of one batch, and what it
/// learns from a completed step. Everything else (device, seed, optimizer, learning-rate schedule, clipping, dispose scope,
/// finite-loss check, checkpoint, resume, progress, cancellation) belongs to the session.
/// </summary>
internal interface ITrainingObjective
{
    /// <summary>The loss of batch number <paramref name="step"/> (0-based), built inside the session's dispose scope.</summary>
    BatchLoss Compute(long step);

    /// <summary>Called after a finite loss was back-propagated and the optimizer stepped.</summary>
    void Completed(long step, BatchLoss loss) { }

    /// <summary>The stage's own state to checkpoint (e.g. the adapted prior weight), or null.</summary>
    JsonElement? State => null;

    /// <summary>Restores <see cref="State"/> from a checkpoint before the first step of a resumed run.</summary>
    void Restore(JsonElement? state) { }
}

/// <summary>
/// The loss of one batch and what is reported about it. <paramref name="Loss"/> is the scalar to minimise; the other values
/// are reported (NaN where the stage has no such term).
/// </summary>
internal sealed record BatchLoss(Tensor Loss, double DataTerm, double PriorTerm, double BitsPerDim, double PriorWeight)
{
    /// <summary>Values the objective keeps for <see cref="ITrainingObjective.Completed"/> (e.g. per-sample data terms).</summary>
    public double[] PerSample { get; init; } = Array.Empty<double>();
}
