using Denoising.Flow.Flows;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Flows;

public class LuConv1x1Tests : InvertibleLayerTestBase
{
    public LuConv1x1Tests(ITestOutputHelper output) : base(output) { }

    protected override InvertibleLayer CreateLayer(long channels) => new LuConv1x1(channels);

    protected override IEnumerable<long[]> Shapes => new[] { new long[] { 2, 3, 3, 3 }, new long[] { 2, 4, 2, 3 }, new long[] { 3, 1, 4, 4 } };

    [Fact]
    public void LogDet_EqualsPixelsTimesSlogdetOfWeightInFloat64()
    {
        using var scope = NewDisposeScope();
        var layer = (LuConv1x1)BuildRandomised(5, ScalarType.Float64);
        var x = randn(new long[] { 2, 5, 3, 4 }, dtype: ScalarType.Float64);
        var (_, reference) = linalg.slogdet(layer.Weight());
        var expected = reference.ToDouble() * 12;
        layer.LogDet(x)[0].ToDouble().Should().BeApproximately(expected, 1e-10 * Math.Max(1, Math.Abs(expected)));
    }

    [Fact]
    public void New_StartsAsRotation()
    {
        using var scope = NewDisposeScope();
        var layer = new LuConv1x1(6);
        var w = layer.Weight().to(ScalarType.Float64);
        (w.matmul(w.t()) - eye(6, dtype: ScalarType.Float64)).abs().max().ToDouble().Should().BeLessThan(1e-5);
        layer.LogAbsDetWeight().ToSingle().Should().BeApproximately(0f, 1e-5f);
    }
}

public class PlainConv1x1Tests : InvertibleLayerTestBase
{
    public PlainConv1x1Tests(ITestOutputHelper output) : base(output) { }

    protected override InvertibleLayer CreateLayer(long channels) => new PlainConv1x1(channels);

    protected override IEnumerable<long[]> Shapes => new[] { new long[] { 2, 3, 3, 3 }, new long[] { 2, 4, 2, 3 } };

    [Fact]
    public void LogAbsDetWeight_EqualsSlogdet()
    {
        using var scope = NewDisposeScope();
        var layer = (PlainConv1x1)BuildRandomised(4, ScalarType.Float64);
        var (_, reference) = linalg.slogdet(layer.Weight());
        layer.LogAbsDetWeight().ToDouble().Should().BeApproximately(reference.ToDouble(), 1e-12);
        Math.Abs(reference.ToDouble()).Should().BeGreaterThan(1e-3, "randomised parameters must give a non-trivial log-det");
    }
}
