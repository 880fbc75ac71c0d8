namespace Denoising.Flow;

/// <summary>
/// Training stopped because it diverged: the loss or the gradient norm became NaN or infinite, or the loss exploded far
/// above its running median (the rule is in docs/reliability.md). The last good checkpoint, if any, is kept under the
/// checkpoint's name: a checkpoint written just before the divergence is set aside (suffix ".diverged") and the one before
/// it restored, so running the same training again resumes from good weights.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="step">The step that diverged.</param>
    /// <param name="lastCheckpoint">The last good checkpoint, or null.</param>
    /// <param name="lastCheckpointStep">The step of <paramref name="lastCheckpoint"/>, when known.</param>
    public TrainingDivergedException(string message, long step, string? lastCheckpoint, long? lastCheckpointStep = null) : base(message)
    {
        Step = step;
        LastCheckpoint = lastCheckpoint;
        LastCheckpointStep = lastCheckpointStep;
    }

    /// <summary>The step at which training diverged.</summary>
    public long Step { get; }

    /// <summary>The last good checkpoint (null when none exists).</summary>
    public string? LastCheckpoint { get; }

    /// <summary>The number of steps done when <see cref="LastCheckpoint"/> was written (null when unknown or none).</summary>
    public long? LastCheckpointStep { get; }
}
