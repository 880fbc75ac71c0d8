using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Denoising.Flow.Blur;
using Denoising.Flow.Cli.Batch;
using Denoising.Flow.Cli.Console;
using Denoising.Flow.Imaging;
using Denoising.Flow.Metrics;
using Denoising.Flow.Noise;
using Spectre.Console;
using static TorchSharp.torch;

namespace Denoising.Flow.Cli.Commands;

/// <summary>
/// <c>dnflow evaluate --clean DIR --sigma 15,25,50</c>: adds Gaussian noise (seed per image and sigma) to clean images,
/// denoises them, and reports PSNR/SSIM per image and the mean, next to the noisy input and the best Gaussian blur.
/// </summary>
internal static class EvaluateCommand
{
    private static readonly double[] BlurSigmas = [0.5, 0.75, 1.0, 1.5, 2.0, 3.0];

    internal sealed record Score(string Image, double Psnr, double Ssim);

    internal sealed record MethodScores(string Method, double Sigma, double MeanPsnr, double MeanSsim, IReadOnlyList<Score> Images);

    public static Command Create(Terminal terminal)
    {
        var clean = new Option<string>("--clean") { Description = "Folder of clean images.", Required = true };
        var sigmas = new Option<string>("--sigma") { Description = "Noise levels on the 0..255 scale, comma separated.", DefaultValueFactory = _ => "15,25,50" };
        var model = CommonOptions.Model("gray, color, gray-large or a .dnflow file; auto picks the shipped model matching each image.");
        var ensemble = new Option<bool>("--ensemble") { Description = "Self-ensemble (8 flips and rotations)." };
        var sureBlend = new Option<bool>("--sure-blend") { Description = "SURE blend of output and input (DenoiseOptions.SureBlend)." };
        var sureTuning = new Option<bool>("--sure-tuning") { Description = "SURE choice of the noise level fed to the network (DenoiseOptions.SureTuning)." };
        var sureRadius = CommonOptions.SureTuningRadius();
        var wiener = CommonOptions.Wiener();
        var htPilot = CommonOptions.HardThresholdingPilot();
        var report = new Option<string>("--report") { Description = "Folder for report.json and the grid PNG.", DefaultValueFactory = _ => "dnflow-eval" };
        var seed = new Option<long>("--seed") { Description = "Seed of the noise.", DefaultValueFactory = _ => 0 };
        var threads = CommonOptions.Threads();
        var command = new Command("evaluate", "PSNR/SSIM of a denoiser on clean images with added Gaussian noise, with baselines and a grid picture.")
        {
            clean, sigmas, model, ensemble, sureBlend, sureTuning, sureRadius, wiener, htPilot, report, seed, threads,
        };
        command.SetAction(parse =>
        {
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            var levels = ParseSigmas(parse.GetValue(sigmas)!);
            return Run(parse.GetValue(clean)!, levels, CommonOptions.CheckModel(parse.GetValue(model)!), new DenoiseOptions { SelfEnsemble = parse.GetValue(ensemble), SureBlend = parse.GetValue(sureBlend), SureTuning = parse.GetValue(sureTuning), SureTuningRadius = parse.GetValue(sureRadius), WienerRefinement = parse.GetValue(wiener), HardThresholdingPilot = parse.GetValue(htPilot) },
                parse.GetValue(report)!, parse.GetValue(seed), terminal);
        });
        return command;
    }

    internal static double[] ParseSigmas(string text)
    {
        var values = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 && v <= 255 ? v : double.NaN)
            .ToArray();
        if (values.Length == 0 || values.Any(double.IsNaN))
        {
            throw new UsageException($"--sigma must be numbers in (0, 255] separated by commas, got '{text}'.");
        }

        return values;
    }

    public static int Run(string cleanFolder, double[] sigmas, string model, DenoiseOptions options, string reportFolder, long seed, Terminal terminal)
    {
        var files = ImageIO.ListImages(cleanFolder);
        var images = files.Select(f => ImageIO.Read(f)).ToArray();
        var names = files.Select(Path.GetFileName).ToArray();
        var denoisers = new Dictionary<string, Denoiser>(StringComparer.Ordinal);
        var results = new List<MethodScores>();
        try
        {
            foreach (double sigma in sigmas)
            {
                var noisy = images.Select((c, i) => AddNoise(c, sigma, seed + i)).ToArray();
                var denoised = new Tensor[images.Length];
                BatchProgress.Run(terminal, $"sigma {sigma}", images.Length, advance =>
                {
                    for (int i = 0; i < images.Length; i++)
                    {
                        denoised[i] = DenoiseOne(noisy[i], model, denoisers, options);
                        advance();
                    }
                });
                var (blurSigma, blurred) = BestBlur(noisy, images);
                results.Add(Scores("noisy input", sigma, noisy, images, names));
                results.Add(Scores($"Gaussian blur (sigma {blurSigma:G3}, best on this set)", sigma, blurred, images, names));
                results.Add(Scores("dnflow denoiser", sigma, denoised, images, names));
                if (sigma == sigmas[^1])
                {
                    WriteGrid(Path.Combine(reportFolder, string.Create(CultureInfo.InvariantCulture, $"grid-sigma{sigma}.png")), noisy, denoised, images, terminal);
                }

                foreach (var t in noisy.Concat(denoised).Concat(blurred))
                {
                    t.Dispose();
                }
            }
        }
        finally
        {
            foreach (var d in denoisers.Values)
            {
                d.Dispose();
            }

            foreach (var image in images)
            {
                image.Dispose();
            }
        }

        Print(results, sigmas, names, terminal);
        Directory.CreateDirectory(reportFolder);
        string reportPath = Path.Combine(reportFolder, "report.json");
        AtomicFile.Write(reportPath, s => JsonSerializer.Serialize(s, new
        {
            clean = Path.GetFullPath(cleanFolder), model, ensemble = options.SelfEnsemble, sureBlend = options.SureBlend, sureTuning = options.SureTuning, sureTuningRadius = options.SureTuningRadius, wienerRefinement = options.WienerRefinement || options.HardThresholdingPilot, hardThresholdingPilot = options.HardThresholdingPilot, seed, noise = "unclipped float Gaussian, seed + image index", results,
        }, new JsonSerializerOptions { WriteIndented = true }));
        terminal.Line($"Report: {Path.GetFullPath(reportPath)}");
        return ExitCodes.Success;
    }

    private static Tensor DenoiseOne(Tensor noisy, string model, Dictionary<string, Denoiser> cache, DenoiseOptions options)
    {
        string spec = model == "auto" ? (noisy.shape[0] == 1 ? ModelCatalog.Gray : ModelCatalog.Color) : model;
        if (!cache.TryGetValue(spec, out var denoiser))
        {
            denoiser = Denoiser.Load(ModelCatalog.Resolve(spec));
            cache[spec] = denoiser;
        }

        using var scope = NewDisposeScope();
        var input = denoiser.Channels == 3 && noisy.shape[0] == 1 ? noisy.expand(3, -1, -1) : noisy;
        var result = denoiser.Denoise(input, options);
        if (result.shape[0] != noisy.shape[0])
        {
            result = result.mean(new long[] { 0 }, keepdim: true);
        }

        return result.clamp(0, 1).MoveToOuterDisposeScope();
    }

    private static Tensor AddNoise(Tensor clean, double sigma, long seed)
    {
        using var batch = GaussianNoise.Fixed(sigma).Apply(clean.unsqueeze(0), seed);
        return batch.Noisy.squeeze(0).clone();
    }

    private static (double Sigma, Tensor[] Images) BestBlur(Tensor[] noisy, Tensor[] clean)
    {
        double best = BlurSigmas[0], bestPsnr = double.NegativeInfinity;
        foreach (double s in BlurSigmas)
        {
            var kernel = BlurKernels.Gaussian(s);
            double psnr = noisy.Select((n, i) =>
            {
                using var scope = NewDisposeScope();
                return ImageQuality.Psnr(kernel.Apply(n.unsqueeze(0)).squeeze(0).clamp(0, 1), clean[i]);
            }).Average();
            if (psnr > bestPsnr)
            {
                (best, bestPsnr) = (s, psnr);
            }
        }

        var chosen = BlurKernels.Gaussian(best);
        return (best, noisy.Select(n => chosen.Apply(n.unsqueeze(0)).squeeze(0).clamp(0, 1)).ToArray());
    }

    private static MethodScores Scores(string method, double sigma, Tensor[] outputs, Tensor[] clean, string?[] names)
    {
        var per = outputs.Select((o, i) =>
        {
            using var scope = NewDisposeScope();
            var clipped = o.clamp(0, 1);
            return new Score(names[i]!, ImageQuality.Psnr(clipped, clean[i]), ImageQuality.Ssim(clipped, clean[i]));
        }).ToArray();
        return new MethodScores(method, sigma, per.Average(p => p.Psnr), per.Average(p => p.Ssim), per);
    }

    private static void Print(List<MethodScores> results, double[] sigmas, string?[] names, Terminal terminal)
    {
        foreach (double sigma in sigmas)
        {
            var rows = results.Where(r => r.Sigma == sigma).ToArray();
            var header = new[] { "image" }.Concat(rows.Select(r => r.Method.Split(" (")[0])).ToArray();
            var lines = names.Select((n, i) => new[] { n! }.Concat(rows.Select(r => Cell(r.Images[i].Psnr, r.Images[i].Ssim))).ToArray())
                .Append(new[] { "mean" }.Concat(rows.Select(r => Cell(r.MeanPsnr, r.MeanSsim))).ToArray())
                .ToArray();
            terminal.Line(string.Create(CultureInfo.InvariantCulture, $"sigma {sigma}: PSNR dB / SSIM ({rows[1].Method})"));
            if (terminal.Ansi is { } ansi)
            {
                var table = new Table().AddColumns(header);
                foreach (var line in lines)
                {
                    table.AddRow(line.Select(Markup.Escape).ToArray());
                }

                ansi.Write(table);
            }
            else
            {
                terminal.Line(string.Join(" | ", header));
                foreach (var line in lines)
                {
                    terminal.Line(string.Join(" | ", line));
                }
            }
        }

        static string Cell(double psnr, double ssim) => string.Create(CultureInfo.InvariantCulture, $"{psnr:F2} / {ssim:F4}");
    }

    /// <summary>Noisy | denoised | clean, one row per image (at most 3), on white.</summary>
    private static void WriteGrid(string path, Tensor[] noisy, Tensor[] denoised, Tensor[] clean, Terminal terminal)
    {
        using var scope = NewDisposeScope();
        long channels = clean.Max(c => c.shape[0]);
        var rows = new List<Tensor>();
        for (int i = 0; i < Math.Min(3, clean.Length); i++)
        {
            var parts = new[] { noisy[i].clamp(0, 1), denoised[i], clean[i] }.Select(t => t.expand(channels, -1, -1)).ToArray();
            var gap = ones(channels, clean[i].shape[1], 6);
            rows.Add(cat(new[] { parts[0], gap, parts[1], gap, parts[2] }, 2));
        }

        long width = rows.Max(r => r.shape[2]);
        var padded = rows.Select(r => nn.functional.pad(r, new long[] { 0, width - r.shape[2], 0, 6 }, value: 1)).ToArray();
        ImageIO.WritePng(cat(padded, 1), path);
        terminal.Line($"Grid (noisy | denoised | clean): {Path.GetFullPath(path)}");
    }
}
