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

    public static void Save(string path, string kind, string configJson, State state, nn.Module model, TorchSharp.Modules.OptimizerHelper optimizer) =>
        CheckpointFile.Write(path, kind, configJson, Json.Write(state), ModuleState.Save(model), ModuleState.Save(optimizer));

    /// <summary>
    /// Restores <paramref name="model"/> and <paramref name="optimizer"/> from <paramref name="path"/> when it exists.
    /// The stored architecture must equal <paramref name="architectureJson"/>: resuming into another architecture is refused.
    /// <paramref name="storedConfigJson"/> is the configuration the checkpoint was written with, when one was resumed.
    /// </summary>
    public static State? TryResume(string path, string kind, Func<string, string> architectureOf, string architectureJson, nn.Module model, TorchSharp.Modules.OptimizerHelper optimizer,
        out string? storedConfigJson)
    {
        storedConfigJson = null;
        if (!File.Exists(path)) return null;
        var contents = CheckpointFile.Read(path, kind);
        string stored = architectureOf(contents.ConfigJson);
        if (stored != architectureJson)
            throw new CheckpointException(path, $"it was trained with another architecture ({stored}) than the one configured ({architectureJson}). Use another checkpoint path or the same architecture.");
        if (contents.Sections.Count != 2) throw new CheckpointException(path, "it does not hold weights and optimizer state.");
        ModuleState.Load(model, contents.Sections[0], path);
        ModuleState.Load(optimizer, contents.Sections[1], path);
        var state = Json.Read<State>(contents.StateJson, path);
        storedConfigJson = contents.ConfigJson;
        return state;
    }
}
