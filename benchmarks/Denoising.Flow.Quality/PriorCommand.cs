using Denoising.Flow;
using Denoising.Flow.Flows;
using Denoising.Flow.Prior;
using Denoising.Flow.Training;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace Denoising.Flow.Quality;

/// <summary>
/// prior: trains a Glow prior on clean images.
/// Defaults (grayscale protocol): train400 001-200, validation bits/dim on Set12 patches.
/// </summary>
internal static class PriorCommand
{
    public static int Run(Args a, ILogger logger, CancellationToken ct, string[] raw)
    {
        string shared = a.Text("data") ?? DataSets.SharedData();
        int channels = a.Int("channels", 1);
        string clean = a.Text("clean", Path.Combine(shared, channels == 1 ? "train400" : "mcmaster"));
        string? range = a.Text("range") ?? (channels == 1 ? "1-200" : null);
        string validationDir = a.Text("validation", Path.Combine(shared, channels == 1 ? "set12" : "kodak24"));
        string? validationRange = a.Text("validation-range") ?? (channels == 1 ? null : "13-24");
        string output = a.Text("out", Path.Combine("runs", channels == 1 ? "prior-gray.dnflow" : "prior-color.dnflow"));
        var options = new GlowOptions
        {
            InputChannels = channels,
            Levels = a.Int("levels", 3),
            StepsPerLevel = a.Int("k", 8),
            HiddenChannels = a.Int("width", 64),
        };
        int patch = a.Int("patch", 32);
        var builder = new FlowPriorBuilder()
            .WithCleanImages(DataSets.Select(clean, range))
            .WithValidationImages(ImageSource.FromFiles(DataSets.Select(validationDir, validationRange)))
            .WithArchitecture(options)
            .WithPatchSize(patch).WithBatchSize(a.Int("batch", 32))
            .WithLearningRate(a.Double("lr", 1e-3), a.Int("warmup", 200), cosineDecay: a.Flag("cosine"))
            .WithSeed(a.Int("seed", 1))
            .WithCheckpoint(a.Text("checkpoint", output + ".ckpt"), TimeSpan.FromMinutes(a.Double("checkpoint-minutes", 3)))
            .WithLogger(logger)
            .OnDevice(Devices.Default());
        if (a.Long("steps") is { } steps) builder.WithSteps(steps);
        if (a.Double("minutes") is { } minutes) builder.WithDuration(TimeSpan.FromMinutes(minutes));
        a.EnsureAllUsed();

        var log = new RunLog("prior", raw);
        var progress = new ConsoleProgress(every: 200);
        using var prior = builder.Train(progress, ct);
        prior.Save(output);
        log.Values["architecture"] = options;
        log.Values["patchSize"] = patch;
        log.Values["steps"] = prior.Info.Steps;
        log.Values["trainingSeconds"] = Math.Round(prior.Info.TrainingSeconds, 1);
        log.Values["stepsPerSecond"] = progress.Last is { } p ? Math.Round(p.ImagesPerSecond / a.Int("batch", 32), 2) : null;
        log.Values["trainingBitsPerDim"] = Math.Round(prior.Info.TrainingBitsPerDim, 4);
        log.Values["validationBitsPerDim"] = prior.Info.ValidationBitsPerDim is { } v ? Math.Round(v, 4) : null;
        log.Values["curve"] = progress.Curve.Select(c => new { c.Step, c.Seconds, c.Bpd }).ToArray();
        log.Write(output + ".json");
        Console.WriteLine($"Prior: {prior.Info.Steps} steps, validation {prior.Info.ValidationBitsPerDim:F4} bits/dim, saved {Path.GetFullPath(output)}");
        return 0;
    }
}
