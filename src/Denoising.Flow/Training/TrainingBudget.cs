namespace Denoising.Flow.Training;

/// <summary>How long a training run lasts: a number of steps, a wall-clock duration, or both (whichever ends first).</summary>
/// <param name="Steps">Total optimizer steps (counting those of a resumed checkpoint), or null.</param>
/// <param name="Duration">Wall-clock time of this run, or null.</param>
internal sealed record TrainingBudget(long? Steps, TimeSpan? Duration)
{
    /// <summary>Every problem with the budget, "Property: message" each.</summary>
    internal IEnumerable<string> Problems()
    {
        if (Steps is null && Duration is null) yield return "Budget: give a number of steps, epochs or a duration.";
        if (Steps is <= 0) yield return $"Steps: must be positive, got {Steps}.";
        if (Duration is { } d && d <= TimeSpan.Zero) yield return $"Duration: must be positive, got {d}.";
    }
}
