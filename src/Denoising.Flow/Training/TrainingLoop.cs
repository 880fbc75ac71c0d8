using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Denoising.Flow.Training;

/// <summary>
/// The step loop shared by both stages: budget, cancellation (checked before every step, so training stops
/// within one step), progress and ETA, periodic atomic checkpoints, and the NaN guard (a non-finite loss stops
/// training before anything is saved, so the last good checkpoint survives). Runs synchronously on the calling
/// thread: TorchSharp dispose scopes are per thread.
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

    /// <summary>The last checkpoint written (by this run or the one it resumed).</summary>
    public string? LastCheckpoint { get; private set; }

    /// <summary>Runs from <paramref name="startStep"/> until the budget is spent; returns the final step.</summary>
    /// <param name="startStep">Steps already done (resume).</param>
    /// <param name="step">Performs step number n (0-based) and returns its metrics.</param>
    /// <param name="saveCheckpoint">Writes a checkpoint after n completed steps to the given path.</param>
    /// <param name="cancellationToken">Stops the run between steps; a checkpoint is written first.</param>
    public long Run(long startStep, Func<long, StepMetrics> step, Action<string, long> saveCheckpoint, CancellationToken cancellationToken)
    {
        if (CheckpointPath is not null && File.Exists(CheckpointPath) && startStep > 0) LastCheckpoint = CheckpointPath;
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
            if (!double.IsFinite(last.Loss))
            {
                string where = LastCheckpoint is null ? "no checkpoint was written" : $"the last good checkpoint is '{LastCheckpoint}'";
                string message = $"{Stage} training diverged: the loss became {last.Loss} at step {current}; training stopped and {where}. Lower the learning rate or the prior weight.";
                Logger.LogError("{Message}", message);
                throw new TrainingDivergedException(message, current, LastCheckpoint);
            }
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
        saveCheckpoint(CheckpointPath, step);
        LastCheckpoint = CheckpointPath;
        Logger.LogInformation("{Stage} checkpoint ({Why}) at step {Step}: {Path}", Stage, why, step, CheckpointPath);
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
