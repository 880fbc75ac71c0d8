using Denoising.Flow.Training;

namespace Denoising.Flow.Quality;

/// <summary>Prints training progress every <c>every</c> steps (on the training thread) and keeps a PSNR-free loss curve.</summary>
internal sealed class ConsoleProgress(int every, Action<TrainingProgress>? also = null) : IProgress<TrainingProgress>
{
    public TrainingProgress? Last { get; private set; }

    public List<(long Step, double Seconds, double Loss, double Bpd, double Lambda)> Curve { get; } = new();

    public void Report(TrainingProgress p)
    {
        Last = p;
        also?.Invoke(p);
        if (p.Step % every != 0 && p.Step != p.TotalSteps) return;
        Curve.Add((p.Step, Math.Round(p.Elapsed.TotalSeconds, 1), p.Loss, p.BitsPerDim, p.PriorWeight));
        string terms = p.Stage == TrainingStage.Prior
            ? $"{p.BitsPerDim:F3} bits/dim"
            : $"data {p.DataTerm:E3}, prior {p.BitsPerDim:F3} bits/dim, lambda {p.PriorWeight:G3}";
        Console.WriteLine($"[{p.Stage}] step {p.Step}{(p.TotalSteps is { } t ? "/" + t : "")} {terms} lr {p.LearningRate:G3} {p.ImagesPerSecond:F0} patches/s elapsed {p.Elapsed:hh\\:mm\\:ss} eta {p.Eta:hh\\:mm\\:ss}");
    }
}
