using Denoising.Flow.Training;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Training;

public sealed class WeightAverageTests
{
    private static TorchSharp.Modules.Linear Model()
    {
        manual_seed(5);
        return nn.Linear(3, 2);
    }

    private static void SetWeights(nn.Module model, double value)
    {
        using var guard = no_grad();
        foreach (var p in model.parameters()) p.fill_(value);
    }

    [Fact]
    public void Update_IsTheExponentialAverageWithItsWarmUp()
    {
        using var scope = NewDisposeScope();
        using var model = Model();
        SetWeights(model, 0);
        using var average = new WeightAverage(model, halfLifeSteps: 4);
        double expected = 0;
        for (int step = 0; step < 40; step++)
        {
            double value = Math.Sin(step); // the weights the optimizer would have reached at this step
            SetWeights(model, value);
            average.Update(step);
            double d = Math.Min(Math.Pow(0.5, 0.25), (1.0 + step) / (10.0 + step));
            expected = (d * expected) + ((1 - d) * value);
        }
        average.CopyToModel();
        foreach (var p in model.parameters()) (p - expected).abs().max().ToDouble().Should().BeLessThan(1e-6);
    }

    [Fact]
    public void Decay_HalvesAContributionEveryHalfLife_OnceTheWarmUpIsOver()
    {
        using var model = Model();
        using var average = new WeightAverage(model, halfLifeSteps: 50);
        Math.Pow(average.Decay(10_000), 50).Should().BeApproximately(0.5, 1e-12);
        average.Decay(0).Should().BeApproximately(0.1, 1e-12, "the first step keeps 90% of the new weights");
        ((Action)(() => new WeightAverage(model, 0))).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void SaveThenLoad_RestoresTheAverage_AndLeavesTheModelsOwnWeights()
    {
        using var scope = NewDisposeScope();
        using var model = Model();
        using var average = new WeightAverage(model, halfLifeSteps: 2);
        SetWeights(model, 1);
        average.Update(100); // the average moves a little towards 1
        byte[] saved = average.Save();
        var own = model.parameters().Select(p => p.detach().clone()).ToArray();
        var averaged = AveragedWeights(model, average);

        using var other = Model();
        using var restored = new WeightAverage(other, halfLifeSteps: 2);
        SetWeights(other, 7);
        restored.Load(saved, "test");
        other.parameters().Should().AllSatisfy(p => (p - 7).abs().max().ToDouble().Should().Be(0, "loading an average keeps the model's own weights"));
        restored.CopyToModel();
        other.parameters().Zip(averaged).Should().AllSatisfy(pair => (pair.First - pair.Second).abs().max().ToDouble().Should().Be(0));
        model.parameters().Zip(own).Should().AllSatisfy(pair => (pair.First - pair.Second).abs().max().ToDouble().Should().Be(0, "saving leaves the model's weights as they were"));
    }

    [Fact]
    public void Update_AveragesParameters_ButBuffersFollowTheModel()
    {
        // ActNorm keeps a 0/1 "initialised" flag in a buffer: an averaged flag would be a fraction, so buffers are copied.
        using var scope = NewDisposeScope();
        using var layer = new Denoising.Flow.Flows.ActNorm(2);
        using var average = new WeightAverage(layer, halfLifeSteps: 10);
        layer.InitializeFrom(randn(new long[] { 8, 2, 4, 4 }, generator: new Generator(6)) * 3 + 1);
        var initialised = layer.Bias.detach().clone();
        average.Update(0); // decay 0.1 at the first step: 90% of the new weights
        average.CopyToModel();
        layer.IsInitialized.Should().BeTrue();
        layer.buffers().Should().AllSatisfy(b => b.ToDouble().Should().Be(1, "the flag is copied, not averaged"));
        (layer.Bias - (0.9 * initialised)).abs().max().ToDouble().Should().BeLessThan(1e-6, "parameters are averaged with the zeros they started from");
    }

    /// <summary>The average's values, read through a copy of the model (the model itself keeps its weights).</summary>
    private static Tensor[] AveragedWeights(nn.Module model, WeightAverage average)
    {
        var own = model.parameters().Select(p => p.detach().clone()).ToArray();
        average.CopyToModel();
        var averaged = model.parameters().Select(p => p.detach().clone()).ToArray();
        using (no_grad())
        {
            foreach (var (p, o) in model.parameters().Zip(own)) p.copy_(o);
        }
        return averaged;
    }
}
