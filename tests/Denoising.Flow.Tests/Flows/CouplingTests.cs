using Denoising.Flow.Flows;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Flows;

public class AffineCouplingTests : InvertibleLayerTestBase
{
    public AffineCouplingTests(ITestOutputHelper output) : base(output) { }

    protected override InvertibleLayer CreateLayer(long channels) => new AffineCoupling(channels, hiddenChannels: 6);

    protected override IEnumerable<long[]> Shapes => new[] { new long[] { 2, 2, 3, 3 }, new long[] { 2, 3, 3, 4 }, new long[] { 3, 4, 2, 3 } };

    [Fact]
    public void New_IsIdentity()
    {
        using var scope = NewDisposeScope();
        var layer = new AffineCoupling(4, 8);
        var x = randn(2, 4, 3, 3);
        var (y, logDet) = layer.Forward(x);
        (y - x).abs().max().ToSingle().Should().Be(0);
        logDet.abs().max().ToSingle().Should().Be(0);
    }

    [Fact]
    public void Forward_WithRandomisedParameters_HasNonZeroLogDetWithinBound()
    {
        using var scope = NewDisposeScope();
        var layer = (AffineCoupling)BuildRandomised(4, ScalarType.Float64);
        var x = randn(new long[] { 2, 4, 3, 3 }, dtype: ScalarType.Float64);
        var logDet = layer.Forward(x).LogDet;
        logDet.abs().min().ToDouble().Should().BeGreaterThan(1e-3, "the Jacobian test must not run at the identity");
        // 2 transformed channels x 9 pixels, |log-scale| <= bound.
        logDet.abs().max().ToDouble().Should().BeLessThanOrEqualTo(18 * layer.ScaleBound);
    }

    [Fact]
    public void New_WithOneChannel_Throws()
    {
        var act = () => new AffineCoupling(1, 8);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*at least 2 channels*");
    }
}

public class AdditiveCouplingTests : InvertibleLayerTestBase
{
    public AdditiveCouplingTests(ITestOutputHelper output) : base(output) { }

    protected override InvertibleLayer CreateLayer(long channels) => new AdditiveCoupling(channels, hiddenChannels: 6);

    protected override IEnumerable<long[]> Shapes => new[] { new long[] { 2, 2, 3, 3 }, new long[] { 2, 3, 3, 4 } };

    [Fact]
    public void Forward_HasZeroLogDetAndChangesInput()
    {
        using var scope = NewDisposeScope();
        var layer = BuildRandomised(4, ScalarType.Float64);
        var x = randn(new long[] { 2, 4, 3, 3 }, dtype: ScalarType.Float64);
        var (y, logDet) = layer.Forward(x);
        logDet.abs().max().ToDouble().Should().Be(0);
        (y - x).abs().max().ToDouble().Should().BeGreaterThan(1e-3);
    }
}
