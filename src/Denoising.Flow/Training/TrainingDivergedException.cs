namespace Denoising.Flow;

/// <summary>Training stopped because the loss became NaN or infinite. The last good checkpoint, if any, is kept.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException(string message, long step, string? lastCheckpoint) : base(message)
    {
        Step = step;
        LastCheckpoint = lastCheckpoint;
    }

    /// <summary>The step at which the loss stopped being finite.</summary>
    public long Step { get; }

    /// <summary>The last checkpoint written before it (null when none was).</summary>
    public string? LastCheckpoint { get; }
}
