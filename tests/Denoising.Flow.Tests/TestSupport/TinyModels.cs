using Denoising.Flow.Flows;
using Denoising.Flow.Prior;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.TestSupport;

/// <summary>Tiny, fast configurations for tests (seconds on two CPU cores).</summary>
public static class TinyModels
{
    public static GlowOptions Glow(int channels = 1) => new() { InputChannels = channels, Levels = 2, StepsPerLevel = 2, HiddenChannels = 16 };

    public static FlowPriorBuilder PriorBuilder(Tensor[] images, long steps = 60) => new FlowPriorBuilder()
        .WithCleanImages(images)
        .WithArchitecture(Glow((int)images[0].shape[0]))
        .WithPatchSize(16).WithBatchSize(16)
        .WithLearningRate(2e-3, warmupSteps: 10)
        .WithSteps(steps)
        .OnDevice(CPU);

    private static FlowPrior? shared;
    private static readonly object Gate = new();

    /// <summary>One tiny grayscale prior trained once per test run (about 300 steps on synthetic images).</summary>
    public static FlowPrior SharedPrior()
    {
        lock (Gate)
        {
            return shared ??= PriorBuilder(SyntheticImages.Create(12, 48, seed: 100), steps: 300).WithLearningRate(3e-3, 20, cosineDecay: true).Train();
        }
    }
}
