using Denoising.Flow.Denoisers;
using Denoising.Flow.Imaging;
using Denoising.Flow.Training;
using static TorchSharp.torch;

namespace Denoising.Flow.Quality;

/// <summary>
/// PSNR against training time: each time the training checkpoint is rewritten, its denoiser is scored on the validation
/// images at one sigma (full size, same seeded noise as evaluate). Runs on the training thread, so training pauses meanwhile.
/// </summary>
internal sealed class PsnrCurve(IReadOnlyList<Tensor> validation, double sigma, string checkpoint)
{
    private DateTime lastSeen = DateTime.MinValue;

    public List<object> Points { get; } = new();

    public static PsnrCurve? FromArgs(Args a, string shared, string checkpoint, bool gray)
    {
        if (a.Flag("no-curve")) return null;
        string dir = a.Text("curve-dir", Path.Combine(shared, gray ? "set12" : "kodak24"));
        string? range = a.Text("curve-range") ?? (gray ? null : "13-24");
        double sigma = a.Double("curve-sigma", 25);
        var mode = new ImageReadOptions { ColorMode = gray ? ImageColorMode.Grayscale : ImageColorMode.Color };
        return new PsnrCurve(DataSets.Select(dir, range).Select(f => ImageIO.Read(f, mode)).ToArray(), sigma, checkpoint);
    }

    public void OnProgress(TrainingProgress p)
    {
        if (!File.Exists(checkpoint)) return;
        var written = File.GetLastWriteTimeUtc(checkpoint);
        if (written <= lastSeen) return;
        lastSeen = written;
        using var denoiser = Denoiser.LoadTrainingCheckpoint(checkpoint, CPU, averaged: false);
        using var averaged = HoldsAverage() ? Denoiser.LoadTrainingCheckpoint(checkpoint, CPU, averaged: true) : null;
        Add(denoiser, denoiser.Info.Steps, denoiser.Info.TrainingSeconds, averaged);
    }

    /// <summary>Adds a point: the last weights' PSNR and, for a run that averages its weights, the average's.</summary>
    public void Add(Denoiser denoiser, long step, double seconds, Denoiser? average = null)
    {
        double psnr = EvaluateCommand.MeanPsnr(denoiser, validation, sigma);
        double? averagePsnr = average is null ? null : EvaluateCommand.MeanPsnr(average, validation, sigma);
        Points.Add(new { Step = step, Minutes = Math.Round(seconds / 60, 2), Sigma = sigma, Psnr = Math.Round(psnr, 3), AveragePsnr = averagePsnr is { } v ? Math.Round(v, 3) : (double?)null });
        Console.WriteLine($"[Curve] step {step} after {seconds / 60:F1} min: validation PSNR {psnr:F2} dB at sigma {sigma}"
            + (averagePsnr is { } ap ? $" (weight average {ap:F2} dB)" : ""));
    }

    private bool HoldsAverage() => Persistence.CheckpointFile.Read(checkpoint, DenoiserTrainer.CheckpointKind).Sections.Count > Persistence.TrainingCheckpoint.AverageSection;
}
