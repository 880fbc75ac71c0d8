using Denoising.Flow.Flows;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Flows;

public class LogitTransformTests : InvertibleLayerTestBase
{
    public LogitTransformTests(ITestOutputHelper output) : base(output) { }

    protected override InvertibleLayer CreateLayer(long channels) => new LogitTransform(0.05);

    protected override IEnumerable<long[]> Shapes => new[] { new long[] { 2, 1, 4, 4 }, new long[] { 2, 3, 2, 3 } };

    protected override Tensor CreateInput(long[] shape, Generator generator) =>
        rand(shape, dtype: ScalarType.Float64, generator: generator) * 0.98 + 0.01;

    [Fact]
    public void Forward_MapsEndpointsToFiniteValues()
    {
        using var scope = NewDisposeScope();
        var (y, logDet) = new LogitTransform().Forward(tensor(new[] { 0.0, 1.0, 0.5, 0.25 }).view(1, 1, 2, 2));
        isfinite(y).all().item<bool>().Should().BeTrue();
        y[0, 0, 1, 0].ToDouble().Should().BeApproximately(0, 1e-12);
        isfinite(logDet).all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void Dequantize_StaysInsideEachLevelsBin()
    {
        using var scope = NewDisposeScope();
        var levels = randint(0, 256, new long[] { 2, 1, 8, 8 }, generator: new Generator(1)).to(ScalarType.Float64);
        var deq = LogitTransform.Dequantize(levels / 255, new Generator(2));
        (deq * 256 - levels).min().ToDouble().Should().BeGreaterThanOrEqualTo(0);
        (deq * 256 - levels).max().ToDouble().Should().BeLessThan(1);
        deq.max().ToDouble().Should().BeLessThan(1);
    }

    [Fact]
    public void New_WithAlphaOutOfRange_Throws()
    {
        var act = () => new LogitTransform(0.5);
        act.Should().Throw<ArgumentOutOfRangeException>();
    }
}
