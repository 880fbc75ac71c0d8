using Microsoft.Extensions.Logging;

namespace Denoising.Flow.Quality;

/// <summary>
/// train: the whole protocol in one command, from scratch: prior on the clean set, unpaired denoiser on the noisy set,
/// optionally the supervised bound, then evaluate on the validation set. The recipe is the headline of docs/results.md
/// (<see cref="Recipe"/>). Each stage checkpoints and is skipped when its model already exists, so the command can be
/// re-run after an interruption and continues where it stopped.
/// </summary>
internal static class TrainCommand
{
    public static int Run(Args a, ILogger logger, CancellationToken ct, string[] raw)
    {
        int channels = a.Int("channels", 1);
        if (channels is not (1 or 3)) throw new ArgumentException($"--channels must be 1 or 3, got {channels}.");
        var recipe = channels == 1 ? Recipe.Gray : Recipe.Color;
        string dir = a.Text("dir", Path.Combine("runs", channels == 1 ? "train-gray" : "train-color"));
        double priorMinutes = a.Double("prior-minutes", recipe.PriorMinutes);
        double denoiserMinutes = a.Double("denoiser-minutes", recipe.DenoiserMinutes);
        bool supervised = a.Flag("supervised");
        string? data = a.Text("data");
        a.EnsureAllUsed();

        Directory.CreateDirectory(dir);
        string prior = Path.Combine(dir, "prior.dnflow"), denoiser = Path.Combine(dir, "denoiser.dnflow"), bound = Path.Combine(dir, "supervised.dnflow");
        var common = new List<string>(); // --threads was applied to the whole process by Program
        if (data is not null) common.AddRange(new[] { "--data", data });

        string channelText = channels.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Stage("prior", prior, ct, Of(recipe.Prior, common, "--channels", channelText, "--minutes", Format(priorMinutes), "--out", prior),
            stage => PriorCommand.Run(new Args(stage.Skip(1)), logger, ct, stage));
        Stage("denoiser", denoiser, ct, Of(recipe.Denoiser, common, "--prior", prior, "--minutes", Format(denoiserMinutes), "--out", denoiser),
            stage => DenoiserCommand.Run(new Args(stage.Skip(1)), logger, ct, stage));
        if (supervised)
        {
            Stage("supervised", bound, ct, Of(recipe.Supervised, common, "--channels", channelText, "--minutes", Format(denoiserMinutes), "--out", bound),
                stage => SupervisedCommand.Run(new Args(stage.Skip(1)), logger, ct, stage));
        }
        var evaluate = new List<string> { "--denoiser", denoiser, "--report", Path.Combine(dir, "eval") };
        if (supervised) evaluate.AddRange(new[] { "--supervised", bound });
        if (data is not null) evaluate.AddRange(new[] { "--test-dir", Path.Combine(data, channels == 1 ? "set12" : "kodak24") });
        else if (channels == 3) evaluate.AddRange(new[] { "--test-dir", Path.Combine(DataSets.SharedData(), "kodak24") });
        if (channels == 3) evaluate.AddRange(new[] { "--range", "13-24" });
        Console.WriteLine("== evaluate " + string.Join(' ', evaluate));
        return EvaluateCommand.Run(new Args(evaluate), logger, evaluate.Prepend("evaluate").ToArray());
    }

    /// <summary>Runs one verb with <paramref name="stage"/> (verb first, then its options) unless its output exists.</summary>
    private static void Stage(string name, string output, CancellationToken ct, string[] stage, Func<string[], int> run)
    {
        ct.ThrowIfCancellationRequested();
        if (File.Exists(output))
        {
            Console.WriteLine($"== {name}: {Path.GetFullPath(output)} exists, skipped (delete it to train again)");
            return;
        }
        Console.WriteLine("== " + string.Join(' ', stage));
        int code = run(stage);
        if (code != 0) throw new InvalidOperationException($"The {name} stage failed with exit code {code}.");
    }

    private static string[] Of(string[] recipe, IEnumerable<string> common, params string[] extra) => recipe.Concat(common).Concat(extra).ToArray();

    private static string Format(double value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
