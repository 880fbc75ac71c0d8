using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Denoising.Flow.Blur;
using Denoising.Flow.Denoisers;
using Denoising.Flow.Imaging;
using Denoising.Flow.Metrics;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Quality;

/// <summary>
/// evaluate: adds AWGN with a fixed seed per image to a folder of CLEAN images, denoises at full size, and reports PSNR/SSIM
/// per image and mean, for the unpaired denoiser and the baselines (noisy input; Gaussian blur with its sigma chosen on this
/// set; the supervised upper bound when given). Writes report.json, report.md and a PNG grid. The last line printed is
/// "mean PSNR X dB" of the unpaired denoiser at the last sigma.
/// </summary>
internal static class EvaluateCommand
{
    private static readonly double[] BlurSigmas = { 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0 };

    public static int Run(Args a, ILogger logger, string[] raw)
    {
        string testDir = a.Text("test-dir") ?? Path.Combine(DataSets.SharedData(), "set12");
        var files = DataSets.Select(testDir, a.Text("range"));
        var sigmas = a.Doubles("sigma", "15,25,50");
        int channels = ImageIO.Identify(files[0]).Channels;
        string denoiserPath = a.Text("denoiser") ?? DefaultModel(channels);
        string? supervisedPath = a.Text("supervised");
        bool clip = a.Flag("clip");
        bool baselines = !a.Flag("no-baselines");
        bool knownSigma = a.Flag("known-sigma");
        // --bm3d: a baseline row, BM3D from this library's two collaborative stages alone (no network), at the same noise level.
        bool bm3d = a.Flag("bm3d");
        // --sigma-scale K: feed K times the estimated noise level to a model that takes it (the noise level as a smoothing knob).
        double sigmaScale = a.Double("sigma-scale", 1.0);
        if (!(sigmaScale > 0)) throw new ArgumentException($"--sigma-scale must be positive, got {sigmaScale}.");
        var options = new DenoiseOptions { SelfEnsemble = a.Flag("ensemble"), SureBlend = a.Flag("sure-blend"), SureTuning = a.Flag("sure-tuning"), WienerRefinement = a.Flag("wiener"), HardThresholdingPilot = a.Flag("ht-pilot"), SureTuningRadius = a.Int("sure-radius", DenoiseOptions.Default.SureTuningRadius),
            SureTuningScales = a.Text("sure-scales")?.Split(',').Select(Args.Parse).ToArray() ?? DenoiseOptions.DefaultSureTuningScales, Logger = logger, TileSize = a.Int("tile", 256) };
        // --oracle-blend: a diagnostic row, D + beta (N - D) with each image's beta fitted to its CLEAN image (an upper bound for
        // --sure-blend, never a method).
        bool oracleBlend = a.Flag("oracle-blend");
        string? dumpSure = a.Text("dump-sure"); // diagnostic: SURE tuning's candidates to raw files (SureDump)
        string reportDir = a.Text("report", Path.Combine("runs", "eval-" + Path.GetFileName(Path.TrimEndingDirectorySeparator(testDir))));
        int gridImages = a.Int("grid", 3); // images in the PNG grid; 0 writes none
        if (gridImages < 0) throw new ArgumentException($"--grid must be 0 or more, got {gridImages}.");
        a.EnsureAllUsed();

        var log = new RunLog("evaluate", raw);
        using var denoiser = Denoiser.Load(denoiserPath);
        using var supervised = supervisedPath is null ? null : Denoiser.Load(supervisedPath);
        var mode = new ImageReadOptions { ColorMode = channels == 1 ? ImageColorMode.Grayscale : ImageColorMode.Color };
        var cleanImages = files.Select(f => ImageIO.Read(f, mode)).ToArray();
        Console.WriteLine($"Evaluating {Path.GetFullPath(denoiserPath)} on {files.Count} images of {testDir} (noise {(clip ? "clipped and quantised" : "unclipped float")}, ensemble {options.SelfEnsemble}, noise level {(denoiser.Network.NoiseLevelInput ? (knownSigma ? "given" : "estimated per image") : "not an input")}), device {denoiser.Device.type}");

        var results = new List<MethodResult>();
        var clock = Stopwatch.StartNew();
        double denoiseSeconds = 0;
        foreach (double sigma in sigmas)
        {
            var noisy = cleanImages.Select((c, i) => AddNoise(c, sigma, i, clip)).ToArray();
            results.Add(Score("noisy input", sigma, noisy, cleanImages, files));
            if (baselines)
            {
                var (blurSigma, blurred) = BestBlur(noisy, cleanImages);
                results.Add(Score($"Gaussian blur (sigma {blurSigma:G3}, chosen on this set)", sigma, blurred, cleanImages, files));
            }
            var watch = Stopwatch.StartNew();
            var denoised = noisy.Select(n => denoiser.Denoise(n, NoiseLevelOptions(options, denoiser, n, knownSigma ? sigma : null, sigmaScale))).ToArray();
            denoiseSeconds += watch.Elapsed.TotalSeconds;
            string label = (!denoiser.Network.NoiseLevelInput ? "unpaired denoiser"
                : (knownSigma ? "unpaired denoiser (true sigma given" : "unpaired denoiser (sigma estimated") + (sigmaScale == 1 ? ")" : $", x{sigmaScale:G3})"))
                + (options.SureTuning ? $", SURE tuning (radius {options.SureTuningRadius}, scales {string.Join("/", options.SureTuningScales)})" : "") + (options.SureBlend ? ", SURE blend" : "") + (options.WienerRefinement || options.HardThresholdingPilot ? ", Wiener refinement" : "") + (options.HardThresholdingPilot ? " with the hard-thresholding pilot" : "");
            var main = Score(label, sigma, denoised, cleanImages, files);
            results.Add(main);
            if (dumpSure is not null)
                for (int i = 0; i < noisy.Length; i++) SureDump.Write(dumpSure, denoiser, noisy[i], cleanImages[i], sigma, i, options);
            if (oracleBlend) results.Add(OracleBlend(denoiser, noisy, cleanImages, files, sigma, n => NoiseLevelOptions(options, denoiser, n, knownSigma ? sigma : null, sigmaScale)));
            if (bm3d)
            {
                var filtered = noisy.Select(n => Bm3d(n, knownSigma ? sigma : null)).ToArray();
                results.Add(Score("BM3D (this library's two collaborative stages, no network)", sigma, filtered, cleanImages, files));
                foreach (var t in filtered) t.Dispose();
            }
            if (supervised is not null)
                results.Add(Score("SUPERVISED upper bound (same network, clean targets)", sigma, noisy.Select(n => supervised.Denoise(n, options)).ToArray(), cleanImages, files));
            foreach (var r in results.Where(r => r.Sigma == sigma))
                Console.WriteLine($"  sigma {sigma,4}: {r.Method,-60} PSNR {r.MeanPsnr:F2} dB  SSIM {r.MeanSsim:F4}");
            if (sigma == sigmas[^1] && gridImages > 0) WriteGrid(Path.Combine(reportDir, $"grid-sigma{sigma}.png"), noisy, denoised, cleanImages, gridImages);
            foreach (var t in noisy.Concat(denoised)) t.Dispose();
        }

        Directory.CreateDirectory(reportDir);
        File.WriteAllText(Path.Combine(reportDir, "report.json"), JsonSerializer.Serialize(new
        {
            denoiser = Path.GetFullPath(denoiserPath), denoiserInfo = denoiser.Info, network = denoiser.Network, blur = denoiser.Blur.Name,
            supervised = supervisedPath, testDir = Path.GetFullPath(testDir), images = files.Select(Path.GetFileName), clip,
            selfEnsemble = options.SelfEnsemble, results,
        }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        File.WriteAllText(Path.Combine(reportDir, "report.md"), Markdown(results, sigmas, testDir, denoiserPath, clip, options.SelfEnsemble));
        log.Values["denoiser"] = Path.GetFullPath(denoiserPath);
        log.Values["denoiseSecondsPerImage"] = Math.Round(denoiseSeconds / (files.Count * sigmas.Count), 3);
        log.Values["results"] = results.Select(r => new { r.Method, r.Sigma, r.MeanPsnr, r.MeanSsim });
        log.Write(Path.Combine(reportDir, "run.json"));
        Console.WriteLine($"Report: {Path.GetFullPath(Path.Combine(reportDir, "report.md"))} ({clock.Elapsed.TotalSeconds:F0} s)");
        var last = results.Last(r => r.Method.StartsWith("unpaired denoiser", StringComparison.Ordinal));
        Console.WriteLine($"mean PSNR {last.MeanPsnr.ToString("F2", CultureInfo.InvariantCulture)} dB");
        return 0;
    }

    /// <summary>The options for one image: the noise level fed to a model that takes it (true or estimated, times the scale).</summary>
    private static DenoiseOptions NoiseLevelOptions(DenoiseOptions options, Denoiser denoiser, Tensor noisy, double? trueSigma, double scale)
    {
        if (!denoiser.Network.NoiseLevelInput || (trueSigma is null && scale == 1)) return options;
        // Denoise estimates a grayscale model's level per channel of a color image; one option value cannot say that.
        if (trueSigma is null && denoiser.Channels != noisy.shape[0])
            throw new ArgumentException("--sigma-scale needs a model with as many channels as the images (a grayscale model estimates each color channel itself).");
        double level = trueSigma ?? Noise.NoiseLevelEstimator.Estimate(noisy);
        return options with { NoiseLevel = Math.Min(255, level * scale) };
    }

    /// <summary>
    /// BM3D from the library's stages alone: collaborative hard thresholding, then collaborative Wiener filtering with its
    /// estimate as the pilot; a color image in the opponent space, grouped on the luminance, as <c>Denoise</c> refines one.
    /// The noise level is the one given, or estimated from the image as <c>Denoise</c> does.
    /// </summary>
    private static Tensor Bm3d(Tensor noisy, double? sigma)
    {
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        bool color = noisy.shape[0] == 3;
        double level = (sigma ?? Noise.NoiseLevelEstimator.Estimate(noisy)) / 255 * (color ? OpponentColor.NoiseScale : 1);
        var planes = color ? OpponentColor.FromRgb(noisy.unsqueeze(0)) : noisy.unsqueeze(0);
        var levels = full(1, planes.shape[1], level);
        var pilot = CollaborativeHardThreshold.Filter(planes, levels);
        var filtered = CollaborativeWiener.Filter(planes, pilot, levels);
        return (color ? OpponentColor.ToRgb(filtered) : filtered).squeeze(0).clamp(0, 1).MoveToOuterDisposeScope();
    }

    /// <summary>Diagnostic: D + beta (N - D) with beta = (x - D) . (N - D) / ||N - D||^2 fitted to each clean image x.</summary>
    private static MethodResult OracleBlend(Denoiser denoiser, Tensor[] noisy, Tensor[] clean, IReadOnlyList<string> files, double sigma, Func<Tensor, DenoiseOptions> optionsFor)
    {
        var betas = new double[noisy.Length];
        var blended = noisy.Select((n, i) =>
        {
            using var scope = NewDisposeScope();
            var d = denoiser.Denoise(n, optionsFor(n) with { SureBlend = false, SureTuning = false, WienerRefinement = false, HardThresholdingPilot = false, ClipOutput = false }).to(float64);
            var residual = n.to(float64) - d;
            betas[i] = ((clean[i].to(float64) - d) * residual).sum().item<double>() / residual.square().sum().item<double>();
            return (d + (betas[i] * residual)).to(float32).MoveToOuterDisposeScope();
        }).ToArray();
        Console.WriteLine($"  sigma {sigma,4}: oracle residual weights {string.Join(" ", betas.Select(b => b.ToString("F3", CultureInfo.InvariantCulture)))}");
        var result = Score("ORACLE blend (diagnostic: beta fitted to the clean image)", sigma, blended, clean, files);
        foreach (var t in blended) t.Dispose();
        return result;
    }

    private static string DefaultModel(int channels)
    {
        string path = Path.Combine(DataSets.RepositoryRoot(), "models", channels == 1 ? "denoiser-gray.dnflow" : "denoiser-color.dnflow");
        if (!File.Exists(path)) throw new ArgumentException($"No --denoiser given and the shipped default model {path} does not exist.");
        return path;
    }

    /// <summary>AWGN with a fixed seed per (sigma, image); unclipped float by default, or clipped and quantised to 8 bits.</summary>
    internal static Tensor AddNoise(Tensor clean, double sigma, int index, bool clip)
    {
        using var noisy = Noise.GaussianNoise.Fixed(sigma, clip).Apply(clean.unsqueeze(0), seed: (long)(sigma * 1000) + index);
        return noisy.Noisy.squeeze(0).clone();
    }

    /// <summary>Mean PSNR of <paramref name="denoiser"/> on clean images at one sigma (same noise as the full evaluation).</summary>
    internal static double MeanPsnr(Denoiser denoiser, IReadOnlyList<Tensor> clean, double sigma)
    {
        return clean.Select((c, i) =>
        {
            using var scope = NewDisposeScope();
            var noisy = AddNoise(c, sigma, i, clip: false);
            return ImageQuality.Psnr(denoiser.Denoise(noisy), c);
        }).Average();
    }

    private static (double Sigma, Tensor[] Images) BestBlur(Tensor[] noisy, Tensor[] clean)
    {
        double bestPsnr = double.NegativeInfinity, best = 0;
        foreach (double s in BlurSigmas)
        {
            var kernel = BlurKernels.Gaussian(s);
            double psnr = noisy.Select((n, i) =>
            {
                using var scope = NewDisposeScope();
                return ImageQuality.Psnr(kernel.Apply(n).clamp(0, 1), clean[i]);
            }).Average();
            if (psnr > bestPsnr) { bestPsnr = psnr; best = s; }
        }
        var chosen = BlurKernels.Gaussian(best);
        return (best, noisy.Select(n => chosen.Apply(n).clamp(0, 1)).ToArray());
    }

    private static MethodResult Score(string method, double sigma, Tensor[] outputs, Tensor[] clean, IReadOnlyList<string> files)
    {
        var per = outputs.Select((o, i) =>
        {
            var clipped = o.clamp(0, 1);
            return new ImageResult(Path.GetFileName(files[i]), ImageQuality.Psnr(clipped, clean[i]), ImageQuality.Ssim(clipped, clean[i]));
        }).ToArray();
        return new MethodResult(method, sigma, per.Average(p => p.Psnr), per.Average(p => p.Ssim), per);
    }

    private static void WriteGrid(string path, Tensor[] noisy, Tensor[] denoised, Tensor[] clean, int count)
    {
        using var scope = NewDisposeScope();
        var rows = new List<Tensor>();
        for (int i = 0; i < Math.Min(count, clean.Length); i++)
        {
            var c = clean[i];
            var gap = ones(c.shape[0], c.shape[1], 6);
            rows.Add(cat(new[] { noisy[i].clamp(0, 1), gap, denoised[i], gap, c }, 2));
        }
        long width = rows.Max(r => r.shape[2]);
        var padded = rows.Select(r => nn.functional.pad(r, new long[] { 0, width - r.shape[2], 0, 6 }, value: 1)).ToArray();
        ImageIO.WritePng(cat(padded, 1), path);
        Console.WriteLine($"Grid (noisy | denoised | clean): {Path.GetFullPath(path)}");
    }

    private static string Markdown(List<MethodResult> results, IReadOnlyList<double> sigmas, string testDir, string model, bool clip, bool ensemble)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# {Path.GetFileName(Path.TrimEndingDirectorySeparator(testDir))}: PSNR (dB) / SSIM");
        sb.AppendLine();
        sb.AppendLine($"Model `{Path.GetFileName(model)}`; noise {(clip ? "clipped and quantised to 8 bits" : "unclipped float AWGN")}, fixed seed per image; self-ensemble {(ensemble ? "on" : "off")}.");
        sb.AppendLine();
        sb.AppendLine("| method | " + string.Join(" | ", sigmas.Select(s => $"sigma {s}")) + " |");
        sb.AppendLine("| --- |" + string.Concat(sigmas.Select(_ => " --- |")));
        foreach (var method in results.Select(r => r.Method.StartsWith("Gaussian blur", StringComparison.Ordinal) ? "Gaussian blur" : r.Method).Distinct())
        {
            var cells = sigmas.Select(s =>
            {
                var r = results.FirstOrDefault(x => x.Sigma == s && (x.Method == method || (method == "Gaussian blur" && x.Method.StartsWith("Gaussian blur", StringComparison.Ordinal))));
                return r is null ? "-" : $"{r.MeanPsnr:F2} / {r.MeanSsim:F4}";
            });
            sb.AppendLine($"| {method} | " + string.Join(" | ", cells) + " |");
        }
        return sb.ToString();
    }

    internal sealed record ImageResult(string Image, double Psnr, double Ssim);

    internal sealed record MethodResult(string Method, double Sigma, double MeanPsnr, double MeanSsim, ImageResult[] Images);
}
