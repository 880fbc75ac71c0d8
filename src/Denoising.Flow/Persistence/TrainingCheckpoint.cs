using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Persistence;

/// <summary>Resumable training state: configuration, step, extra state, model weights and optimizer state in one atomic file.</summary>
internal static class TrainingCheckpoint
{
    /// <summary>The step, the training time, and the stage's own state as JSON (e.g. the adapted prior weight).</summary>
    /// <param name="Step">Completed optimizer steps.</param>
    /// <param name="TrainingSeconds">Wall time summed over resumed runs.</param>
    /// <param name="StageState">The stage's typed state, serialised; null when it has none.</param>
    /// <param name="Values">Named values of checkpoints written before version 0.2 (read only, for resuming them).</param>
    /// <param name="Recent">The metrics of the last steps, serialised by the training loop (absent in older checkpoints), so that
    /// a run resumed at its end still reports how its last steps went.</param>
    public sealed record State(long Step, double TrainingSeconds, System.Text.Json.JsonElement? StageState = null, Dictionary<string, double>? Values = null,
        System.Text.Json.JsonElement? Recent = null)
    {
        /// <summary>
        /// The stage's state; for a checkpoint of version 0.1, the denoiser's adapted factor "gamma" in today's form. The other
        /// 0.1 values belonged to removed lambda policies: such a run resumes its weights and restarts its lambda policy.
        /// </summary>
        public System.Text.Json.JsonElement? StageStateOrLegacy() =>
            StageState ?? (Values is { } values && values.TryGetValue("gamma", out var gamma)
                ? System.Text.Json.JsonSerializer.SerializeToElement(new { Gamma = gamma, SmoothedLogRatio = 0.0 })
                : null);
    }

    /// <summary>
    /// Writes the checkpoint: sections [weights, optimizer state] and, when the run averages its weights, [the average] after them
    /// (a checkpoint without it is one from a run that did not average, or from before version 0.3).
    /// </summary>
    public static void Save(string path, string kind, string configJson, State state, nn.Module model, TorchSharp.Modules.OptimizerHelper optimizer, byte[]? averageWeights = null) =>
        CheckpointFile.Write(path, kind, configJson, Json.Write(state),
            averageWeights is null ? new[] { ModuleState.Save(model), ModuleState.Save(optimizer) } : new[] { ModuleState.Save(model), ModuleState.Save(optimizer), averageWeights });

    /// <summary>Index of the averaged weights' section, when present.</summary>
    public const int AverageSection = 2;

    /// <summary>Refuses a checkpoint whose sections are not [weights, optimizer] or [weights, optimizer, average].</summary>
    public static void CheckSections(CheckpointFile.Contents contents, string path)
    {
        if (contents.Sections.Count is not (2 or 3)) throw new CheckpointException(path, "it does not hold weights and optimizer state.");
    }

    /// <summary>
    /// Restores <paramref name="model"/> and <paramref name="optimizer"/> from <paramref name="path"/> when it exists.
    /// The stored architecture must equal <paramref name="architectureJson"/>: resuming into another architecture is refused.
    /// <paramref name="storedConfigJson"/> is the configuration the checkpoint was written with, when one was resumed;
    /// <paramref name="averageWeights"/> its averaged weights, when it holds them.
    /// </summary>
    public static State? TryResume(string path, string kind, Func<string, string> architectureOf, string architectureJson, nn.Module model, TorchSharp.Modules.OptimizerHelper optimizer,
        out string? storedConfigJson, out byte[]? averageWeights)
    {
        storedConfigJson = null;
        averageWeights = null;
        if (!File.Exists(path)) return null;
        var contents = CheckpointFile.Read(path, kind);
        string stored = architectureOf(contents.ConfigJson);
        if (stored != architectureJson)
            throw new CheckpointException(path, $"it was trained with another architecture ({stored}) than the one configured ({architectureJson}). Use another checkpoint path or the same architecture.");
        CheckSections(contents, path);
        ModuleState.Load(model, contents.Sections[0], path);
        ModuleState.Load(optimizer, contents.Sections[1], path);
        var state = Json.Read<State>(contents.StateJson, path);
        storedConfigJson = contents.ConfigJson;
        if (contents.Sections.Count > AverageSection) averageWeights = contents.Sections[AverageSection];
        return state;
    }
}
