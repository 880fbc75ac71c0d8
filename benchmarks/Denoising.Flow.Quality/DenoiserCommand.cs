using Denoising.Flow.Denoisers;
using Denoising.Flow.Prior;
using Denoising.Flow.Training;
using Microsoft.Extensions.Logging;

namespace Denoising.Flow.Quality;

/// <summary>
/// denoiser: trains the unpaired denoiser with a frozen prior on noisy images only.
/// Defaults (grayscale protocol): train400 201-400 with synthetic AWGN, sigma uniform in [0, 55] per image, added once (seed 7).
/// </summary>
internal static class DenoiserCommand
{
    public static int Run(Args a, ILogger logger, CancellationToken ct, string[] raw)
    {
        string shared = a.Text("data") ?? DataSets.SharedData();
        string priorPath = a.Text("prior", Path.Combine("runs", "prior-gray.dnflow"));
        using var prior = FlowPrior.Load(priorPath);
        bool gray = prior.Channels == 1;
        string noisyDir = a.Text("noisy", Path.Combine(shared, gray ? "train400" : "kodak24"));
        string? range = a.Text("range") ?? (gray ? "201-400" : "1-12");
        string? synthetic = a.Flag("real") ? null : a.Text("synthetic", "0-55");
        string output = a.Text("out", Path.Combine("runs", gray ? "denoiser-gray.dnflow" : "denoiser-color.dnflow"));
        var blur = Parsing.Blur(a.Text("blur", "identity"));
        var weight = Parsing.Weight(a.Text("weight", "discrepancy"), a.Double("adapt-rate", 0.02), a.Int("hold", 100), a.Double("sigma"));
        int batch = a.Int("batch", 16), patch = a.Int("patch", 48);
        // --fade-prior F: lambda faded out by a half cosine from F x steps to the last step (the policy frozen from there).
        if (a.Double("fade-prior") is { } fade)
        {
            long total = a.Long("steps") ?? throw new ArgumentException("--fade-prior needs --steps.");
            weight = weight.FadedOut((long)(fade * total), total);
        }
        var trainer = new DenoiserTrainer(prior)
            .WithNoisyImages(DataSets.Select(noisyDir, range))
            .WithBlur(blur)
            .WithPriorWeight(weight)
            .WithNetwork(Parsing.Network(a))
            .WithPatchSize(patch).WithBatchSize(batch)
            .WithLearningRate(a.Double("lr", 1e-3), a.Int("warmup", 100), cosineDecay: a.Flag("cosine"))
            .WithSeed(a.Int("seed", 2))
            .WithLogger(logger);
        string checkpointPath = a.Text("checkpoint", output + ".ckpt");
        trainer.WithCheckpoint(checkpointPath, TimeSpan.FromMinutes(a.Double("checkpoint-minutes", 3)));
        var curve = PsnrCurve.FromArgs(a, shared, checkpointPath, gray);
        if (synthetic is not null) trainer.WithSyntheticNoise(Parsing.Noise(synthetic), seed: a.Int("noise-seed", 7));
        if (a.Flag("sure")) trainer.WithDataTerm(DataTerm.Sure);
        // --average-half-life N: return the moving average of the weights (half-life N steps) instead of the last weights.
        int halfLife = a.Int("average-half-life", 0);
        if (halfLife > 0) trainer.WithWeightAveraging(halfLife);
        if (a.Long("steps") is { } steps) trainer.WithSteps(steps);
        if (a.Double("minutes") is { } minutes) trainer.WithDuration(TimeSpan.FromMinutes(minutes));
        a.EnsureAllUsed();

        var log = new RunLog("denoiser", raw);
        var progress = new ConsoleProgress(every: 100, curve is null ? null : curve.OnProgress);
        using var denoiser = trainer.Train(progress, ct);
        denoiser.Save(output);
        log.Values["prior"] = Path.GetFullPath(priorPath);
        log.Values["network"] = denoiser.Network;
        log.Values["blur"] = denoiser.Blur.Name;
        log.Values["info"] = denoiser.Info;
        log.Values["syntheticNoise"] = synthetic;
        log.Values["stepsPerSecond"] = progress.Last is { } p ? Math.Round(p.ImagesPerSecond / batch, 3) : null;
        log.Values["curve"] = progress.Curve.Select(c => new { c.Step, c.Seconds, c.Loss, c.Bpd, c.Lambda }).ToArray();
        if (curve is not null)
        {
            if (halfLife > 0)
            {
                // The saved denoiser holds the average; the last weights are in the checkpoint written at the end.
                using var last = Denoiser.LoadTrainingCheckpoint(checkpointPath, TorchSharp.torch.CPU, averaged: false);
                curve.Add(last, denoiser.Info.Steps, denoiser.Info.TrainingSeconds, denoiser);
            }
            else curve.Add(denoiser, denoiser.Info.Steps, denoiser.Info.TrainingSeconds);
            log.Values["psnrCurve"] = curve.Points;
        }
        log.Write(output + ".json");
        Console.WriteLine($"Denoiser: {denoiser.Info.Steps} steps, final lambda {denoiser.Info.FinalPriorWeight:G3}, saved {Path.GetFullPath(output)}");
        return 0;
    }
}
