using Denoising.Flow.Flows;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Flows;

public class LearnedSplitPriorTests : InvertibleLayerTestBase
{
    public LearnedSplitPriorTests(ITestOutputHelper output) : base(output) { }

    protected override InvertibleLayer CreateLayer(long channels) => new LearnedSplitPrior(channels);

    protected override IEnumerable<long[]> Shapes => new[] { new long[] { 2, 4, 3, 3 }, new long[] { 2, 5, 2, 2 } };

    [Fact]
    public void New_IsIdentityAndKeepsFirstHalf()
    {
        using var scope = NewDisposeScope();
        var layer = new LearnedSplitPrior(5);
        layer.KeptChannels.Should().Be(2);
        layer.FactoredChannels.Should().Be(3);
        var x = randn(2, 5, 3, 3);
        var (y, logDet) = layer.Forward(x);
        (y - x).abs().max().ToSingle().Should().Be(0);
        logDet.abs().max().ToSingle().Should().Be(0);
    }
}
