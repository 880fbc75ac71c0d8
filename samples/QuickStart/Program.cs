// QuickStart: the whole method end to end in a few minutes on a CPU (or on a GPU with the CUDA backend).
//   1. train a Glow prior on CLEAN images,
//   2. train a ResNet denoiser on OTHER, NOISY images only (never a clean/noisy pair),
//   3. denoise held-aside noisy images, print PSNR before/after, write noisy | denoised | clean side by side.
// Data: ../shared/data (train400 + set12) when it can be found, else the Kodak crops bundled in images/.
//
//   dotnet run -c Release --project samples/QuickStart [-- --data DIR] [--out DIR] [--scale X]
using System.Diagnostics;
using Denoising.Flow;          // the builders, the models and their options
using Denoising.Flow.Imaging;  // the sample's own image files,
using Denoising.Flow.Metrics;  // its PSNR,
using Denoising.Flow.Noise;    // and the synthetic noise of its test
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

var arguments = Arguments.Parse(args);
using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }).SetMinimumLevel(LogLevel.Information));
var logger = loggerFactory.CreateLogger("QuickStart");
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

var device = Devices.Default();
Console.WriteLine($"Device: {device.type}{(device.type == DeviceType.CUDA ? $" ({cuda.device_count()} GPU(s))" : $" ({get_num_threads()} threads)")}");
var data = SampleData.Find(arguments.DataFolder);
Console.WriteLine($"Data: {data.Description}");
Directory.CreateDirectory(arguments.OutputFolder);
const double sigma = 25;
var total = Stopwatch.StartNew();

// Stage 1: the prior, on clean images.
var stage = Stopwatch.StartNew();
using var prior = new FlowPriorBuilder()
    .WithCleanImages(data.Clean)
    .WithArchitecture(new GlowOptions { InputChannels = 1, Levels = 3, StepsPerLevel = 4, HiddenChannels = 32 })
    .WithPatchSize(32).WithBatchSize(32)
    .WithLearningRate(2e-3, warmupSteps: 50, cosineDecay: true)
    .WithSteps(arguments.Steps(1500))
    .WithSeed(1).OnDevice(device)
    .WithCheckpoint(Path.Combine(arguments.OutputFolder, "prior.training.ckpt"))
    .WithLogger(logger)
    .Train(new Progress<TrainingProgress>(Report), cancel.Token);
double priorSeconds = stage.Elapsed.TotalSeconds;
prior.Save(Path.Combine(arguments.OutputFolder, "prior.dnflow"));
Console.WriteLine($"Prior: {prior.Info.Steps} steps in {priorSeconds:F0} s ({prior.Info.Steps / priorSeconds:F1} steps/s), {prior.Info.TrainingBitsPerDim:F3} bits/dim on training patches");

// Stage 2: the denoiser, on noisy images only (noise added once to images the prior never saw).
stage.Restart();
using var denoiser = new DenoiserTrainer(prior)
    .WithNoisyImages(data.Noisy)
    .WithSyntheticNoise(GaussianNoise.Fixed(sigma), seed: 7)
    .WithPriorWeight(PriorWeight.Discrepancy())  // the default, stated: lambda from the discrepancy principle, sigma estimated
    .WithDataTerm(DataTerm.Sure)                 // Stein's unbiased risk estimate as the data term, as the shipped models use
    .WithNetwork(new DenoiserNetworkOptions { ResidualBlocks = 6, Width = 32, NoiseLevelInput = true })
    .WithPatchSize(32).WithBatchSize(16)
    .WithLearningRate(1e-3, warmupSteps: 50, cosineDecay: true)
    .WithSteps(arguments.Steps(1200))
    .WithSeed(2).OnDevice(device)
    .WithCheckpoint(Path.Combine(arguments.OutputFolder, "denoiser.training.ckpt"))
    .WithLogger(logger)
    .Train(new Progress<TrainingProgress>(Report), cancel.Token);
double denoiserSeconds = stage.Elapsed.TotalSeconds;
denoiser.Save(Path.Combine(arguments.OutputFolder, "denoiser.dnflow"));
Console.WriteLine($"Denoiser: {denoiser.Info.Steps} steps in {denoiserSeconds:F0} s ({denoiser.Info.Steps / denoiserSeconds:F1} steps/s), final lambda {denoiser.Info.FinalPriorWeight:G3}, estimated noise {string.Join("/", denoiser.Info.NoiseSigmas255.Select(s => s.ToString("F1")))}");

// Denoise the held-aside test images.
var before = new List<double>();
var after = new List<double>();
var tuned = new List<double>();
// The best recipe: SURE tuning (the noise level fed to the network at 0.6-1.6x, around each pixel the outputs Stein's
// unbiased risk estimate rates best over a 17x17 window, blended smoothly; 10x the time), then the Wiener refinement (BM3D's
// second stage with that output as its pilot: detail the network smoothed away comes back from the noisy image), with BM3D's
// first stage as a second pilot (it keeps repeated texture the network smooths away). No clean image is involved in any.
var tuning = new DenoiseOptions { SureTuning = true, HardThresholdingPilot = true };
var panels = new List<Tensor>();
for (int i = 0; i < data.Test.Count; i++)
{
    using var scope = NewDisposeScope();
    var clean = ImageIO.Read(data.Test[i], new ImageReadOptions { ColorMode = ImageColorMode.Grayscale });
    using var noisy = GaussianNoise.Fixed(sigma).Apply(clean.unsqueeze(0), seed: 1000 + i);
    var noisyImage = noisy.Noisy.squeeze(0);
    var denoised = denoiser.Denoise(noisyImage);
    double p0 = ImageQuality.Psnr(noisyImage.clamp(0, 1), clean), p1 = ImageQuality.Psnr(denoised, clean);
    before.Add(p0);
    after.Add(p1);
    tuned.Add(ImageQuality.Psnr(denoiser.Denoise(noisyImage, tuning), clean));
    Console.WriteLine($"  {Path.GetFileName(data.Test[i])}: noisy {p0:F2} dB -> denoised {p1:F2} dB (SSIM {ImageQuality.Ssim(noisyImage.clamp(0, 1), clean):F3} -> {ImageQuality.Ssim(denoised, clean):F3})");
    if (i == 0)
    {
        var gap = ones(1, clean.shape[1], 4);
        var panel = cat(new[] { noisyImage.clamp(0, 1), gap, denoised, gap, clean }, 2);
        ImageIO.WritePng(panel, Path.Combine(arguments.OutputFolder, "side-by-side.png"));
    }
}
Console.WriteLine($"Side by side (noisy | denoised | clean): {Path.GetFullPath(Path.Combine(arguments.OutputFolder, "side-by-side.png"))}");
Console.WriteLine($"Total time {total.Elapsed.TotalSeconds:F0} s on {device.type}");
// The training checkpoints exist to resume an interrupted run; this one finished, so a new run starts afresh.
foreach (string name in new[] { "prior", "denoiser" })
{
    string checkpoint = Path.Combine(arguments.OutputFolder, name + ".training.ckpt");
    File.Delete(checkpoint);
    File.Delete(checkpoint + ".previous");  // the last confirmed checkpoint the trainer keeps beside the newest one
}
Console.WriteLine($"PSNR at sigma {sigma}: noisy {before.Average():F2} dB -> denoised {after.Average():F2} dB ({tuned.Average():F2} dB with SURE tuning and the Wiener refinement on two pilots)");
return 0;

static void Report(TrainingProgress p)
{
    if (p.Step % 100 != 0 && p.Step != p.TotalSteps) return;
    string terms = p.Stage == TrainingStage.Prior
        ? $"{p.BitsPerDim:F3} bits/dim"
        : $"data {p.DataTerm:E2}, prior {p.PriorTerm:F3} nats/px ({p.BitsPerDim:F2} bits/dim), lambda {p.PriorWeight:G3}";
    Console.WriteLine($"  [{p.Stage}] step {p.Step}/{p.TotalSteps}: {terms}, {p.ImagesPerSecond:F0} patches/s, ETA {p.Eta:mm\\:ss}");
}

/// <summary>Command-line options.</summary>
internal sealed record Arguments(string? DataFolder, string OutputFolder, double Scale)
{
    public long Steps(long baseline) => Math.Max(10, (long)(baseline * Scale));

    public static Arguments Parse(string[] args)
    {
        string? data = null;
        string output = Path.Combine("out", "quickstart");
        double scale = 1;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--data" when i + 1 < args.Length: data = args[++i]; break;
                case "--out" when i + 1 < args.Length: output = args[++i]; break;
                case "--scale" when i + 1 < args.Length: scale = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"Unknown argument '{args[i]}'. Use --data DIR, --out DIR, --scale X (multiplies the training steps).");
            }
        }
        return new Arguments(data, output, scale);
    }
}
