using System.Diagnostics;
using System.Text.Json;
using Denoising.Flow.Persistence;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Training;

/// <summary>
/// The one training loop of the library, shared by both stages and by the quality harness's supervised bound. It owns the
/// Adam optimizer, learning-rate schedule, gradient clipping, the dispose scope of every step, the finite-loss check,
/// checkpoints and resume (weights, optimizer, the objective's state, step and time), the optional moving average of the weights,
/// progress, cancellation and logging.
/// The caller seeds torch and places the model on its device before <see cref="Run"/> (the builders do both from their settings). A stage gives only its per-batch loss (<see cref="ITrainingObjective"/>).
/// </summary>
internal sealed class TrainingSession
{
    public required TrainingStage Stage { get; init; }
    public required nn.Module Model { get; init; }
    public required LearningRateSchedule LearningRate { get; init; }
    public required TrainingBudget Budget { get; init; }
    public required int BatchSize { get; init; }
    public required double GradientClip { get; init; }
    public required ILogger Logger { get; init; }
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>Checkpoint file, or null for none.</summary>
    public string? CheckpointPath { get; init; }
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>
    /// Half-life in steps of the moving average of the weights that training returns (<see cref="WeightAverage"/>); 0 (default)
    /// returns the last weights. The average travels in checkpoints, so a resumed run continues it.
    /// </summary>
    public int AverageHalfLife { get; init; }

    /// <summary>The kind written into checkpoints (a checkpoint of another kind is refused).</summary>
    public required string CheckpointKind { get; init; }

    /// <summary>The run's configuration; its "Architecture" property must match to resume.</summary>
    public required string ConfigJson { get; init; }

    private readonly Queue<StepMetrics> recent = new();

    /// <summary>The metrics of the last (up to) 50 steps, oldest first, kept across a resume (they travel in the checkpoint).</summary>
    public IReadOnlyList<StepMetrics> Recent => recent.ToArray();

    /// <summary>Runs until the budget is spent; returns the final step and the training time summed over resumed runs.</summary>
    public (long Steps, double Seconds) Run(ITrainingObjective objective, CancellationToken cancellationToken)
    {
        if (CheckpointPath is not null) EnsureWritable(CheckpointPath);
        var parameters = Model.parameters().Where(p => p.requires_grad).ToArray();
        using var optimizer = optim.Adam(parameters, lr: LearningRate.BaseRate);
        using var average = AverageHalfLife > 0 ? new WeightAverage(Model, AverageHalfLife) : null;
        string architectureJson = ArchitectureOf(ConfigJson);
        long start = 0;
        double previousSeconds = 0;
        if (CheckpointPath is not null && TrainingCheckpoint.TryResume(CheckpointPath, CheckpointKind, ArchitectureOf, architectureJson, Model, optimizer, out string? storedConfig, out byte[]? storedAverage) is { } resumed)
        {
            WarnOnChangedSettings(storedConfig!);
            start = resumed.Step;
            previousSeconds = resumed.TrainingSeconds;
            objective.Restore(resumed.StageStateOrLegacy());
            foreach (var metrics in resumed.Recent?.Deserialize<StepMetrics[]>(Json.Options) ?? Array.Empty<StepMetrics>()) recent.Enqueue(metrics);
            Logger.LogInformation("{Stage}: resuming from {Path} at step {Step}", Stage, CheckpointPath, start);
            if (average is not null)
            {
                if (storedAverage is not null) average.Load(storedAverage, CheckpointPath);
                else
                {
                    average.Reset();
                    Logger.LogWarning("{Stage}: the checkpoint {Path} holds no weight average; the average starts again at step {Step}", Stage, CheckpointPath, start);
                }
            }
        }

        var clock = Stopwatch.StartNew();
        var loop = new TrainingLoop
        {
            Stage = Stage, Budget = Budget, BatchSize = BatchSize, Logger = Logger, Progress = Progress,
            CheckpointPath = CheckpointPath, CheckpointInterval = CheckpointInterval,
        };
        Model.train();
        long end = loop.Run(start, step =>
        {
            using var scope = NewDisposeScope();
            double rate = LearningRate.At(step, Budget.Steps);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = rate;
            optimizer.zero_grad();
            var batch = objective.Compute(step);
            double loss = batch.Loss.ToDouble();
            if (!double.IsFinite(loss)) return new StepMetrics(loss, batch.DataTerm, batch.PriorTerm, batch.BitsPerDim, batch.PriorWeight, rate);
            batch.Loss.backward();
            double norm = nn.utils.clip_grad_norm_(parameters, GradientClip);
            var metrics = new StepMetrics(loss, batch.DataTerm, batch.PriorTerm, batch.BitsPerDim, batch.PriorWeight, rate) { GradientNorm = norm };
            if (!double.IsFinite(norm)) return metrics; // The loop stops; the weights are left as they were.
            optimizer.step();
            average?.Update(step);
            objective.Completed(step, batch);
            recent.Enqueue(metrics);
            if (recent.Count > 50) recent.Dequeue();
            return metrics;
        },
        (path, step) => TrainingCheckpoint.Save(path, CheckpointKind, ConfigJson,
            new TrainingCheckpoint.State(step, previousSeconds + clock.Elapsed.TotalSeconds, objective.State,
                Recent: JsonSerializer.SerializeToElement(recent.ToArray(), Json.Options)), Model, optimizer, average?.Save()),
        cancellationToken);
        average?.CopyToModel();
        return (end, previousSeconds + clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Checks before the first step that checkpoints can be written where asked, so that a run with an unusable folder fails
    /// at once instead of after training (when its model would be lost).
    /// </summary>
    private static void EnsureWritable(string path)
    {
        string full = Path.GetFullPath(path);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            string probe = full + $".probe-{Environment.ProcessId}-{Guid.NewGuid():N}";
            File.WriteAllBytes(probe, Array.Empty<byte>());
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Checkpoints cannot be written to '{full}' ({e.Message}); training did not start.", e);
        }
    }

    /// <summary>
    /// Resuming needs only the architecture to match; other settings (data term, prior weight, patch and batch size, seed,
    /// blur) may be changed on purpose, and the run continues under the new ones. Each changed setting is logged as a warning.
    /// </summary>
    private void WarnOnChangedSettings(string storedConfig)
    {
        using var stored = JsonDocument.Parse(storedConfig);
        using var current = JsonDocument.Parse(ConfigJson);
        var changed = current.RootElement.EnumerateObject()
            .Where(p => p.Name != "Architecture")
            .Select(p => stored.RootElement.TryGetProperty(p.Name, out var old)
                ? (old.GetRawText() == p.Value.GetRawText() ? null : $"{p.Name} {Abbreviate(old.GetRawText())} -> {Abbreviate(p.Value.GetRawText())}")
                : $"{p.Name} (not recorded) -> {Abbreviate(p.Value.GetRawText())}")
            .OfType<string>()
            .ToArray();
        if (changed.Length > 0)
            Logger.LogWarning("{Stage}: resuming {Path} with settings that differ from the checkpoint's: {Changes}. Training continues under the new settings.",
                Stage, CheckpointPath, string.Join("; ", changed));
    }

    private static string Abbreviate(string json) => json.Length <= 80 ? json : json[..77] + "...";

    /// <summary>The "Architecture" property of a configuration JSON (what must match to resume).</summary>
    public static string ArchitectureOf(string configJson) => JsonDocument.Parse(configJson).RootElement.GetProperty("Architecture").GetRawText();
}
