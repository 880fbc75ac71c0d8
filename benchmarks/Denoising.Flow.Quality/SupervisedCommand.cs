using Denoising.Flow.Blur;
using Denoising.Flow.Denoisers;
using Denoising.Flow.Imaging;
using Denoising.Flow.Internal;
using Denoising.Flow.Noise;
using Denoising.Flow.Persistence;
using Denoising.Flow.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Quality;

/// <summary>
/// supervised: the UPPER BOUND baseline, labelled as such: the same network trained WITH clean targets
/// (MSE to the clean patch, fresh AWGN each step) on the same images the unpaired denoiser sees noisy.
/// Not the method of this library; it only tells how far the unpaired training is from paired training.
/// It runs on the library's one training loop (<see cref="TrainingSession"/>) with its own per-batch loss.
/// </summary>
internal static class SupervisedCommand
{
    public static int Run(Args a, ILogger logger, CancellationToken ct, string[] raw)
    {
        string shared = a.Text("data") ?? DataSets.SharedData();
        int channels = a.Int("channels", 1);
        string cleanDir = a.Text("clean", Path.Combine(shared, channels == 1 ? "train400" : "kodak24"));
        string? range = a.Text("range") ?? (channels == 1 ? "201-400" : "1-12");
        var noise = Parsing.Noise(a.Text("synthetic", "0-55"));
        string output = a.Text("out", Path.Combine("runs", channels == 1 ? "supervised-gray.dnflow" : "supervised-color.dnflow"));
        var options = Parsing.Network(a, channels);
        if (options.NoiseLevelInput) throw new ArgumentException("The supervised bound trains without the noise-level input (--noise-input is not supported here).");
        int batch = a.Int("batch", 16), patch = a.Int("patch", 48);
        long? steps = a.Long("steps");
        double? minutes = a.Double("minutes");
        var schedule = new LearningRateSchedule(a.Double("lr", 1e-3), a.Int("warmup", 100), a.Flag("cosine"));
        long seed = a.Int("seed", 2);
        a.EnsureAllUsed();
        if (steps is null && minutes is null) throw new ArgumentException("Give --steps or --minutes.");

        var log = new RunLog("supervised", raw);
        var mode = new ImageReadOptions { ColorMode = channels == 1 ? ImageColorMode.Grayscale : ImageColorMode.Color };
        var images = DataSets.Select(cleanDir, range).Select(f => (f, ImageIO.Read(f, mode))).ToArray();
        var sampler = new PatchSampler(images, patch, augment: true, seed);
        var device = Devices.Default();
        manual_seed(seed);
        var network = new DenoiserNetwork(options);
        network.to(device).DetachFromScopes();
        var progress = new ConsoleProgress(every: 100);
        var session = new TrainingSession
        {
            Stage = TrainingStage.Denoiser, Model = network, LearningRate = schedule,
            Budget = new TrainingBudget(steps, minutes is { } m ? TimeSpan.FromMinutes(m) : null), BatchSize = batch, GradientClip = 1.0,
            Logger = logger, Progress = progress, CheckpointKind = "SupervisedBound", ConfigJson = Json.Write(new { Architecture = options, patch, batch, seed }),
        };
        var (done, seconds) = session.Run(new Objective(network, sampler, noise, batch, seed, device), ct);
        var info = new DenoiserInfo(done, patch, images.Length, "SUPERVISED upper bound (clean targets)", 0, Array.Empty<double>(), double.NaN, double.NaN, seconds);
        using var model = new Denoiser(network, BlurKernels.Identity, info);
        model.Save(output);
        log.Values["network"] = options;
        log.Values["steps"] = done;
        log.Values["stepsPerSecond"] = Math.Round(done / seconds, 3);
        log.Values["noise"] = noise.ToString();
        log.Values["curve"] = progress.Curve.Select(c => new { c.Step, c.Seconds, Mse = c.Loss }).ToArray();
        log.Values["finalMse"] = session.Recent.Count > 0 ? session.Recent.Average(r => r.Loss) : double.NaN;
        log.Write(output + ".json");
        foreach (var (_, t) in images) t.Dispose();
        Console.WriteLine($"Supervised upper bound: {done} steps, saved {Path.GetFullPath(output)}");
        return 0;
    }

    /// <summary>MSE to the clean patch, with fresh seeded noise every step: the paired loss the unpaired method does without.</summary>
    private sealed class Objective(DenoiserNetwork network, PatchSampler sampler, GaussianNoise noise, int batch, long seed, Device device) : ITrainingObjective
    {
        public BatchLoss Compute(long step)
        {
            var (clean, _) = sampler.Sample(step, batch, CPU);
            using var noisy = noise.Apply(clean, seed * 1_000_003 + step);
            var loss = nn.functional.mse_loss(network.forward(noisy.Noisy.to(device)), clean.to(device));
            return new BatchLoss(loss, loss.ToDouble(), double.NaN, double.NaN, 0);
        }
    }
}
