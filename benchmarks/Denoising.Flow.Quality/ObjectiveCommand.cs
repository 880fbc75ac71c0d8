using System.Globalization;
using Denoising.Flow.Denoisers;
using Denoising.Flow.Imaging;
using Denoising.Flow.Metrics;
using Denoising.Flow.Prior;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Quality;

/// <summary>
/// objective: asks whether the unpaired objective or its optimisation limits a model. For each candidate output on the
/// validation images at one known sigma (the clean image, the noisy one, and each denoiser's output), it reports the PSNR,
/// the residual energy mean((D - N)^2), the prior's bits per dimension and the stage-2 objective
/// J = mean((D - N)^2) + lambda * (-log f(clamp(D, 0, 1)) / dims) at the given lambda (identity blur, unbounded output). When a worse output has the lower J,
/// the objective itself prefers it, and longer or better optimisation cannot fix that.
/// </summary>
internal static class ObjectiveCommand
{
    public static int Run(Args a, ILogger logger, string[] raw)
    {
        string testDir = a.Text("test-dir") ?? Path.Combine(DataSets.SharedData(), "set12");
        var files = DataSets.Select(testDir, a.Text("range"));
        double sigma = a.Double("sigma", 25);
        double lambda = a.Double("lambda") ?? throw new ArgumentException("--lambda (the prior weight to score with, e.g. a model's final one) is required.");
        string priorPath = a.Text("prior") ?? throw new ArgumentException("--prior is required.");
        var models = (a.Text("denoisers") ?? throw new ArgumentException("--denoisers A,B,... is required.")).Split(',', StringSplitOptions.RemoveEmptyEntries);
        string logPath = a.Text("log", Path.Combine("runs", "objective.json"));
        a.EnsureAllUsed();

        var log = new RunLog("objective", raw);
        using var prior = FlowPrior.Load(priorPath);
        var denoisers = models.Select(m => Denoiser.Load(m)).ToArray();
        var mode = new ImageReadOptions { ColorMode = prior.Channels == 1 ? ImageColorMode.Grayscale : ImageColorMode.Color };
        var names = new[] { "clean", "noisy" }.Concat(models.Select(Path.GetFileName)).ToArray();
        var totals = new double[names.Length, 4];
        for (int i = 0; i < files.Count; i++)
        {
            using var scope = NewDisposeScope();
            var clean = ImageIO.Read(files[i], mode);
            var noisy = EvaluateCommand.AddNoise(clean, sigma, i, clip: false);
            var options = new DenoiseOptions { NoiseLevel = sigma };
            var candidates = new[] { clean, noisy }.Concat(denoisers.Select(d => d.Denoise(noisy, d.Network.NoiseLevelInput ? options : null))).ToArray();
            for (int c = 0; c < candidates.Length; c++)
            {
                var y = candidates[c];
                double residual = (y - noisy).square().mean().ToDouble();
                // The prior scores the output clamped to [0, 1], as in training with the (default) unbounded output.
                double bitsPerDim;
                using (no_grad()) bitsPerDim = prior.BitsPerDim(y.clamp(0, 1)).ToDouble();
                double nll = (bitsPerDim * Math.Log(2)) - Math.Log(256); // -log f / dims, the training's prior term
                totals[c, 0] += ImageQuality.Psnr(y.clamp(0, 1), clean);
                totals[c, 1] += residual;
                totals[c, 2] += bitsPerDim;
                totals[c, 3] += residual + (lambda * nll);
            }
        }

        Console.WriteLine($"Objective at sigma {sigma}, lambda {lambda.ToString("G4", CultureInfo.InvariantCulture)}, mean over {files.Count} images of {testDir}:");
        var rows = new List<object>();
        for (int c = 0; c < names.Length; c++)
        {
            double n = files.Count;
            Console.WriteLine($"  {names[c],-32} PSNR {totals[c, 0] / n,7:F2} dB  residual {totals[c, 1] / n:E3}  prior {totals[c, 2] / n:F3} bits/dim  J {totals[c, 3] / n:E4}");
            rows.Add(new { Output = names[c], Psnr = totals[c, 0] / n, Residual = totals[c, 1] / n, BitsPerDim = totals[c, 2] / n, Objective = totals[c, 3] / n });
        }
        foreach (var d in denoisers) d.Dispose();
        log.Values["rows"] = rows;
        log.Write(logPath);
        logger.LogInformation("Objective comparison done");
        return 0;
    }
}
