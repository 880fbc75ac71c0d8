using Denoising.Flow.Flows;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Flows;

public class GlowModelTests
{
    private static GlowModel Small(int channels = 1, int levels = 2) =>
        new(new GlowOptions { InputChannels = channels, Levels = levels, StepsPerLevel = 2, HiddenChannels = 8 });

    [Fact]
    public void New_WithInvalidOptions_ListsEveryProblem()
    {
        var act = () => new GlowModel(new GlowOptions { InputChannels = 2, Levels = 0, HiddenChannels = -1, LogitAlpha = 0.7 });
        act.Should().Throw<ArgumentException>()
            .Where(e => e.Message.Contains("InputChannels") && e.Message.Contains("Levels") && e.Message.Contains("HiddenChannels") && e.Message.Contains("LogitAlpha"));
    }

    [Fact]
    public void Forward_WithWrongChannelCount_Throws()
    {
        var model = Small(3);
        using var x = rand(2, 1, 8, 8);
        var act = () => model.Forward(x);
        act.Should().Throw<ArgumentException>().WithMessage("*[B, 3, H, W]*[2, 1, 8, 8]*");
    }

    [Fact]
    public void Forward_WithSizeNotDivisible_ThrowsNamingMultiple()
    {
        var model = Small(1, levels: 3);
        using var x = rand(1, 1, 12, 8);
        var act = () => model.Forward(x);
        act.Should().Throw<ArgumentException>().WithMessage("*divisible by 8*[1, 1, 12, 8]*");
        var shape = () => model.OutputShape(new long[] { 1, 12, 8 });
        shape.Should().Throw<ArgumentException>().WithMessage("*divisible by 8*");
    }

    [Fact]
    public void Forward_WithWrongRank_Throws()
    {
        var model = Small();
        using var x = rand(1, 8, 8);
        var act = () => model.Forward(x);
        act.Should().Throw<ArgumentException>().WithMessage("*[B, C, H, W]*[1, 8, 8]*");
    }

    [Fact]
    public void Forward_WithNaN_Throws()
    {
        var model = Small();
        using var x = rand(1, 1, 4, 4);
        x[0, 0, 1, 1] = tensor(float.NaN);
        var act = () => model.Forward(x);
        act.Should().Throw<ArgumentException>().WithMessage("*NaN*");
    }

    [Fact]
    public void Forward_WithValuesOutsideUnitRange_Throws()
    {
        var model = Small();
        using var x = rand(1, 1, 4, 4) + 0.5f;
        var act = () => model.Forward(x);
        act.Should().Throw<ArgumentException>().WithMessage("*[0, 1]*");
    }

    [Fact]
    public void Encode_KeepsShape_AndDecodeInverts()
    {
        using var scope = NewDisposeScope();
        var model = Small(3);
        model.eval();
        var x = rand(2, 3, 8, 12);
        var z = model.Encode(x);
        z.shape.Should().Equal(2, 3, 8, 12);
        (model.Decode(z) - x).abs().max().ToSingle().Should().BeLessThan(1e-4f);
    }

    [Fact]
    public void BitsPerDim_FollowsLogLikelihood()
    {
        using var scope = NewDisposeScope();
        var model = Small();
        model.eval();
        var x = rand(new long[] { 2, 1, 4, 4 }, dtype: ScalarType.Float32);
        var ll = model.LogLikelihood(x);
        var bpd = model.BitsPerDim(x);
        var expected = (-ll / 16 + Math.Log(256)) / Math.Log(2);
        (bpd - expected).abs().max().ToSingle().Should().BeLessThan(1e-5f);
    }

    [Fact]
    public void LogLikelihood_IsNormalLogDensityPlusLogDet()
    {
        using var scope = NewDisposeScope();
        var model = Small();
        model.to(ScalarType.Float64).eval();
        var x = rand(new long[] { 2, 1, 4, 4 }, dtype: ScalarType.Float64) * 0.9 + 0.05;
        var (z, logDet) = model.Forward(x);
        var manual = -0.5 * (z.square() + Math.Log(2 * Math.PI)).sum(new long[] { 1, 2, 3 }) + logDet;
        (model.LogLikelihood(x) - manual).abs().max().ToDouble().Should().BeLessThan(1e-10);
    }

    [Fact]
    public void Sample_GivesImagesInUnitRangeWithRequestedShape()
    {
        using var scope = NewDisposeScope();
        var model = Small(3);
        model.eval();
        var samples = model.Sample(3, 8, 4, temperature: 0.7, generator: new Generator(5));
        samples.shape.Should().Equal(3, 3, 8, 4);
        samples.min().ToSingle().Should().BeGreaterThanOrEqualTo(0f);
        samples.max().ToSingle().Should().BeLessThanOrEqualTo(1f);
        var act = () => model.Sample(1, 6, 4);
        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Training_ShortMaximumLikelihoodFit_LowersNll()
    {
        // Smooth synthetic images: a random horizontal ramp plus a bright square; gradients must reach every layer.
        using var scope = NewDisposeScope();
        manual_seed(42);
        var model = new GlowModel(new GlowOptions { InputChannels = 1, Levels = 2, StepsPerLevel = 2, HiddenChannels = 16 });
        var generator = new Generator(3);
        Tensor Batch()
        {
            var ramp = linspace(0, 1, 8).view(1, 1, 1, 8) * rand(new long[] { 16, 1, 1, 1 }, generator: generator);
            var square = zeros(16, 1, 8, 8);
            square[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(2, 5), TensorIndex.Slice(3, 6)] = tensor(0.4f);
            var images = (ramp * 0.5 + square + 0.05).clamp(0, 1);
            return LogitTransform.Dequantize(images, generator);
        }

        var evaluation = Batch();
        model.train();
        model.Forward(Batch()); // data-dependent ActNorm initialisation
        model.eval();
        double before;
        using (no_grad()) before = model.BitsPerDim(evaluation).mean().ToSingle();

        model.train();
        var optimizer = optim.Adam(model.parameters(), lr: 2e-3);
        for (int step = 0; step < 80; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = model.BitsPerDim(Batch()).mean();
            loss.backward();
            optimizer.step();
        }
        model.eval();
        double after;
        using (no_grad()) after = model.BitsPerDim(evaluation).mean().ToSingle();
        after.Should().BeLessThan(before - 0.5, $"80 Adam steps should lower the NLL clearly (before {before:F3}, after {after:F3} bits/dim)");
        foreach (var (name, p) in model.named_parameters())
            p.grad.Should().NotBeNull($"parameter {name} must receive a gradient");
    }

    [Fact]
    public void SaveThenLoad_GivesIdenticalLogLikelihood()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var model = Small(3);
        var x = rand(2, 3, 8, 8);
        model.Forward(x); // initialise ActNorm from data
        model.eval();
        using var stream = new MemoryStream();
        model.save(stream);
        using var reopened = new MemoryStream(stream.ToArray());
        manual_seed(2);
        var loaded = Small(3);
        loaded.load(reopened);
        loaded.eval();
        (loaded.LogLikelihood(x) - model.LogLikelihood(x)).abs().max().ToSingle().Should().Be(0);
    }
}
