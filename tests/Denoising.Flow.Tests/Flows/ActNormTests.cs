using Denoising.Flow.Flows;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Flows;

public class ActNormTests : InvertibleLayerTestBase
{
    public ActNormTests(ITestOutputHelper output) : base(output) { }

    protected override InvertibleLayer CreateLayer(long channels) => new ActNorm(channels);

    protected override IEnumerable<long[]> Shapes => new[] { new long[] { 2, 3, 3, 3 }, new long[] { 3, 1, 4, 5 }, new long[] { 2, 5, 2, 3 } };

    [Fact]
    public void Forward_InTraining_InitialisesToZeroMeanUnitVariancePerChannel()
    {
        using var scope = NewDisposeScope();
        var layer = new ActNorm(3);
        layer.IsInitialized.Should().BeFalse();
        var x = randn(new long[] { 4, 3, 5, 5 }, generator: new Generator(3)) * tensor(new[] { 2f, 0.5f, 7f }).view(1, 3, 1, 1) + 3;
        var (y, _) = layer.Forward(x);
        layer.IsInitialized.Should().BeTrue();
        var dims = new long[] { 0, 2, 3 };
        y.mean(dims).abs().max().ToSingle().Should().BeLessThan(1e-5f);
        (y.std(dims, unbiased: false) - 1).abs().max().ToSingle().Should().BeLessThan(1e-4f);
    }

    [Fact]
    public void Forward_AfterInitialisation_DoesNotReinitialiseOnNextBatch()
    {
        using var scope = NewDisposeScope();
        var layer = new ActNorm(2);
        layer.Forward(randn(4, 2, 3, 3));
        var before = layer.LogScale.clone();
        layer.Forward(randn(4, 2, 3, 3) * 10);
        (layer.LogScale - before).abs().max().ToSingle().Should().Be(0);
    }

    [Fact]
    public void Forward_InEvalMode_DoesNotInitialise()
    {
        using var scope = NewDisposeScope();
        var layer = new ActNorm(2);
        layer.eval();
        var x = randn(2, 2, 3, 3);
        var (y, logDet) = layer.Forward(x);
        layer.IsInitialized.Should().BeFalse();
        (y - x).abs().max().ToSingle().Should().Be(0);
        logDet.abs().max().ToSingle().Should().Be(0);
    }

    [Fact]
    public void InitializeFrom_Explicit_SetsStateWithoutForward()
    {
        using var scope = NewDisposeScope();
        var layer = new ActNorm(1);
        layer.InitializeFrom(full(new long[] { 2, 1, 2, 2 }, 5f) + arange(8).view(2, 1, 2, 2).to(ScalarType.Float32));
        layer.IsInitialized.Should().BeTrue();
        layer.Bias.ToSingle().Should().BeApproximately(-8.5f, 1e-5f);
    }

    [Fact]
    public void Identity_Initialization_IsInitialisedAndIdentity()
    {
        using var scope = NewDisposeScope();
        var layer = new ActNorm(3, ActNormInitialization.Identity);
        layer.IsInitialized.Should().BeTrue();
        var x = randn(2, 3, 2, 2);
        (layer.Forward(x).Output - x).abs().max().ToSingle().Should().Be(0);
    }

    [Fact]
    public void SaveThenLoad_KeepsInitialisedStateAndDoesNotReinitialise()
    {
        using var scope = NewDisposeScope();
        var trained = new ActNorm(2);
        trained.Forward(randn(4, 2, 3, 3) * 3 + 1);
        using var stream = new MemoryStream();
        trained.save(stream);
        using var reopened = new MemoryStream(stream.ToArray());

        var loaded = new ActNorm(2);
        loaded.load(reopened);
        loaded.IsInitialized.Should().BeTrue("the initialised flag is a saved buffer");
        loaded.train();
        loaded.Forward(randn(4, 2, 3, 3) * 100);
        (loaded.LogScale - trained.LogScale).abs().max().ToSingle().Should().Be(0, "a loaded layer must not re-initialise");
        (loaded.Bias - trained.Bias).abs().max().ToSingle().Should().Be(0);
    }

    [Fact]
    public void Forward_WithWrongChannelCount_ThrowsNamingBoth()
    {
        var layer = new ActNorm(4);
        using var x = zeros(2, 3, 4, 4);
        var act = () => layer.Forward(x);
        act.Should().Throw<ArgumentException>().WithMessage("*expects a batch [B, 4, H, W] (4 channels) but got shape [2, 3, 4, 4]*");
    }
}
