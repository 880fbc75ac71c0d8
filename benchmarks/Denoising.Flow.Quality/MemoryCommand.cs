using System.Diagnostics;
using Denoising.Flow.Denoisers;
using Denoising.Flow.Flows;
using Denoising.Flow.Noise;
using Denoising.Flow.Prior;
using Denoising.Flow.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;

namespace Denoising.Flow.Quality;

/// <summary>
/// memory: trains a small prior and then a small denoiser for thousands of steps and samples the process working set and
/// TorchSharp's live tensor count every few hundred steps, to show that memory stays flat (no tensor leaks across steps).
/// </summary>
internal static class MemoryCommand
{
    public static int Run(Args a, ILogger logger, string[] raw)
    {
        string shared = a.Text("data") ?? DataSets.SharedData();
        long steps = a.Long("steps") ?? 3000;
        int every = a.Int("every", 250);
        a.EnsureAllUsed();
        var log = new RunLog("memory", raw);
        var files = DataSets.Select(Path.Combine(shared, "train400"), "1-400");
        var samples = new List<object>();
        var process = Process.GetCurrentProcess();
        IProgress<TrainingProgress> Sampler() => new Probe(p =>
        {
            if (p.Step % every != 0) return;
            process.Refresh();
            double mb = process.WorkingSet64 / 1048576.0;
            long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            samples.Add(new { p.Stage, p.Step, WorkingSetMB = Math.Round(mb, 1), LiveTensors = live });
            Console.WriteLine($"[{p.Stage}] step {p.Step,6}: working set {mb,8:F1} MB, live tensors {live}");
        });

        using var prior = new FlowPriorBuilder()
            .WithCleanImages(files.Take(200))
            .WithArchitecture(new GlowOptions { Levels = 2, StepsPerLevel = 2, HiddenChannels = 16 })
            .WithPatchSize(16).WithBatchSize(16).WithSteps(steps).WithLogger(logger)
            .Train(Sampler());
        using var denoiser = new DenoiserTrainer(prior)
            .WithNoisyImages(files.Skip(200))
            .WithSyntheticNoise(GaussianNoise.Range(0, 55))
            .WithNetwork(4, 16).WithPatchSize(32).WithBatchSize(8).WithSteps(steps).WithLogger(logger)
            .Train(Sampler());
        log.Values["steps"] = steps;
        log.Values["samples"] = samples;
        log.Write(Path.Combine("runs", "memory.json"));
        return 0;
    }

    private sealed class Probe(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }
}
