using System.Diagnostics;
using Denoising.Flow.Blur;
using Denoising.Flow.Denoisers;
using Denoising.Flow.Imaging;
using Denoising.Flow.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Quality;

/// <summary>
/// supervised: the UPPER BOUND baseline, labelled as such: the same network trained WITH clean targets
/// (MSE to the clean patch, fresh AWGN each step) on the same images the unpaired denoiser sees noisy.
/// Not the method of this library; it only tells how far the unpaired training is from paired training.
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
        var device = Training.Devices.Default();
        manual_seed(seed);
        var network = new DenoiserNetwork(options);
        network.to(device).DetachFromScopes();
        var parameters = network.parameters().ToArray();
        using var optimizer = optim.Adam(parameters, lr: schedule.BaseRate);
        var clock = Stopwatch.StartNew();
        long step = 0;
        var curve = new List<object>();
        network.train();
        while ((steps is null || step < steps) && (minutes is null || clock.Elapsed.TotalMinutes < minutes))
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var (clean, _) = sampler.Sample(step, batch, CPU);
            using var noisyBatch = noise.Apply(clean, seed * 1_000_003 + step);
            var noisy = noisyBatch.Noisy.to(device);
            double rate = schedule.At(step, steps);
            foreach (var g in optimizer.ParamGroups) g.LearningRate = rate;
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(network.forward(noisy), clean.to(device));
            loss.backward();
            nn.utils.clip_grad_norm_(parameters, 1.0);
            optimizer.step();
            step++;
            if (step % 100 == 0)
            {
                double l = loss.ToDouble();
                curve.Add(new { Step = step, Seconds = Math.Round(clock.Elapsed.TotalSeconds, 1), Mse = l });
                Console.WriteLine($"[Supervised] step {step} mse {l:E3} psnr-equivalent {10 * Math.Log10(1 / l):F2} dB lr {rate:G3} elapsed {clock.Elapsed:hh\\:mm\\:ss}");
            }
        }
        var info = new DenoiserInfo(step, patch, images.Length, "SUPERVISED upper bound (clean targets)", 0, Array.Empty<double>(), double.NaN, double.NaN, clock.Elapsed.TotalSeconds);
        using var model = new Denoiser(network, BlurKernels.Identity, info);
        model.Save(output);
        log.Values["network"] = options;
        log.Values["steps"] = step;
        log.Values["stepsPerSecond"] = Math.Round(step / clock.Elapsed.TotalSeconds, 3);
        log.Values["noise"] = noise.ToString();
        log.Values["curve"] = curve;
        log.Write(output + ".json");
        foreach (var (_, t) in images) t.Dispose();
        Console.WriteLine($"Supervised upper bound: {step} steps, saved {Path.GetFullPath(output)}");
        return 0;
    }
}
