using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Denoising.Flow.Training;

/// <summary>
/// The step loop shared by both stages: budget, cancellation (checked before every step, so training stops
/// within one step), progress and ETA, periodic atomic checkpoints, and the divergence guard (<see cref="DivergenceGuard"/>).
/// A checkpoint written after step n counts as good only once step n + 1, computed from its weights, passed the guard:
/// until then the one before it is kept beside it (<see cref="PreviousSuffix"/>), and a divergence right after a write
/// puts that one back. Runs synchronously on the calling thread: TorchSharp dispose scopes are per thread.
/// </summary>
internal sealed class TrainingLoop
{
    public required TrainingStage Stage { get; init; }
    public required TrainingBudget Budget { get; init; }
    public required int BatchSize { get; init; }
    public required ILogger Logger { get; init; }
    public IProgress<TrainingProgress>? Progress { get; init; }
    public string? CheckpointPath { get; init; }
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromMinutes(3);
    public int ReportEvery { get; init; } = 10;

    /// <summary>Appended to <see cref="CheckpointPath"/> for the last confirmed-good checkpoint kept while a newer one is unconfirmed.</summary>
    public const string PreviousSuffix = ".previous";

    /// <summary>Appended to <see cref="CheckpointPath"/> for a checkpoint set aside because training diverged right after it was written.</summary>
    public const string SuspectSuffix = ".diverged";

    /// <summary>The last checkpoint written (by this run or the one it resumed).</summary>
    public string? LastCheckpoint { get; private set; }

    private readonly DivergenceGuard guard = new();
    private long? checkpointStep;
    private long? previousStep;
    private bool checkpointConfirmed;

    /// <summary>Runs from <paramref name="startStep"/> until the budget is spent; returns the final step.</summary>
    /// <param name="startStep">Steps already done (resume).</param>
    /// <param name="step">Performs step number n (0-based) and returns its metrics.</param>
    /// <param name="saveCheckpoint">Writes a checkpoint after n completed steps to the given path.</param>
    /// <param name="cancellationToken">Stops the run between steps; a checkpoint is written first.</param>
    public long Run(long startStep, Func<long, StepMetrics> step, Action<string, long> saveCheckpoint, CancellationToken cancellationToken)
    {
        if (CheckpointPath is not null && File.Exists(CheckpointPath) && startStep > 0)
        {
            LastCheckpoint = CheckpointPath;
            checkpointStep = startStep;
        }

        var clock = Stopwatch.StartNew();
        var sinceCheckpoint = Stopwatch.StartNew();
        long current = startStep;
        StepMetrics last = default;
        Logger.LogInformation("{Stage} training: starting at step {Step} (budget: {Steps} steps, {Duration})",
            Stage, startStep, Budget.Steps?.ToString() ?? "no step limit", Budget.Duration?.ToString() ?? "no time limit");

        while (!Done(current, clock.Elapsed))
        {
            if (cancellationToken.IsCancellationRequested)
            {
                Save(saveCheckpoint, current, "cancelled");
                Logger.LogWarning("{Stage} training cancelled at step {Step}", Stage, current);
                cancellationToken.ThrowIfCancellationRequested();
            }

            last = step(current);
            if (guard.Check(last) is { } reason)
            {
                var (good, goodStep) = KeepGoodCheckpoint(current);
                string where = good is null ? "no good checkpoint exists" : $"the last good checkpoint is '{good}' (step {goodStep?.ToString(CultureInfo.InvariantCulture) ?? "unknown"})";
                string message = $"{Stage} training diverged: {reason} at step {current}; training stopped and {where}. Lower the learning rate or the prior weight.";
                Logger.LogError("{Message}", message);
                throw new TrainingDivergedException(message, current, good, goodStep);
            }

            if (checkpointStep == current) checkpointConfirmed = true;
            current++;

            bool done = Done(current, clock.Elapsed);
            if (Progress is not null && (current % ReportEvery == 0 || done)) Progress.Report(Report(current, startStep, last, clock.Elapsed));
            if (current % (ReportEvery * 10) == 0)
                Logger.LogDebug("{Stage} step {Step}: loss {Loss:G5}, bits/dim {Bpd:F3}", Stage, current, last.Loss, last.BitsPerDim);
            if (!done && sinceCheckpoint.Elapsed >= CheckpointInterval)
            {
                Save(saveCheckpoint, current, "periodic");
                sinceCheckpoint.Restart();
            }
        }
        Save(saveCheckpoint, current, "final");
        Logger.LogInformation("{Stage} training: finished at step {Step} after {Elapsed}", Stage, current, clock.Elapsed);
        return current;
    }

    private bool Done(long step, TimeSpan elapsed) =>
        (Budget.Steps is { } s && step >= s) || (Budget.Duration is { } d && elapsed >= d);

    private void Save(Action<string, long> saveCheckpoint, long step, string why)
    {
        if (CheckpointPath is null) return;
        if (checkpointConfirmed && File.Exists(CheckpointPath))
        {
            string temporary = CheckpointPath + PreviousSuffix + ".tmp";
            File.Copy(CheckpointPath, temporary, overwrite: true);
            File.Move(temporary, CheckpointPath + PreviousSuffix, overwrite: true);
            previousStep = checkpointStep;
        }

        saveCheckpoint(CheckpointPath, step);
        LastCheckpoint = CheckpointPath;
        checkpointStep = step;
        checkpointConfirmed = false;
        Logger.LogInformation("{Stage} checkpoint ({Why}) at step {Step}: {Path}", Stage, why, step, CheckpointPath);
    }

    /// <summary>
    /// After a divergence at <paramref name="step"/>: a checkpoint whose weights produced that step is not good. It is set
    /// aside (never deleted) and the confirmed one before it, if any, is put back under the checkpoint's name, so that
    /// running again resumes from good weights. Returns the good checkpoint and its step, or nulls.
    /// </summary>
    private (string? Path, long? Step) KeepGoodCheckpoint(long step)
    {
        if (CheckpointPath is null || checkpointStep is null) return (null, null);
        if (checkpointConfirmed || checkpointStep < step) return (CheckpointPath, checkpointStep);
        File.Move(CheckpointPath, CheckpointPath + SuspectSuffix, overwrite: true);
        Logger.LogWarning("{Stage}: the checkpoint of step {Step} was written just before the divergence; set aside as {Path}", Stage, checkpointStep, CheckpointPath + SuspectSuffix);
        string previous = CheckpointPath + PreviousSuffix;
        if (!File.Exists(previous)) return (null, null);
        File.Move(previous, CheckpointPath, overwrite: true);
        return (CheckpointPath, previousStep);
    }

    private TrainingProgress Report(long step, long startStep, StepMetrics m, TimeSpan elapsed)
    {
        double seconds = Math.Max(elapsed.TotalSeconds, 1e-9);
        double stepsPerSecond = (step - startStep) / seconds;
        TimeSpan? eta = null;
        if (Budget.Steps is { } total && stepsPerSecond > 0) eta = TimeSpan.FromSeconds((total - step) / stepsPerSecond);
        if (Budget.Duration is { } d)
        {
            var left = d - elapsed;
            if (left < TimeSpan.Zero) left = TimeSpan.Zero;
            eta = eta is { } e && e < left ? e : left;
        }
        return new TrainingProgress(Stage, step, Budget.Steps, m.Loss, m.DataTerm, m.PriorTerm, m.BitsPerDim, m.PriorWeight,
            m.LearningRate, stepsPerSecond * BatchSize, elapsed, eta);
    }
}
