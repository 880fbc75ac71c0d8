using Denoising.Flow.Flows;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Flows;

public class InvertibleSequenceTests : InvertibleLayerTestBase
{
    public InvertibleSequenceTests(ITestOutputHelper output) : base(output) { }

    protected override InvertibleLayer CreateLayer(long channels) => new InvertibleSequence(
        new InvertibleLayer[]
        {
            new Squeeze(), new ActNorm(4 * channels), new LuConv1x1(4 * channels), new AffineCoupling(4 * channels, 6),
            new PlainConv1x1(4 * channels), new AdditiveCoupling(4 * channels, 5),
        },
        new[] { channels, -1L, -1L });

    protected override IEnumerable<long[]> Shapes => new[] { new long[] { 2, 1, 4, 4 }, new long[] { 2, 3, 2, 4 } };

    [Fact]
    public void New_WithMismatchedChannels_ThrowsNamingLayersAndShape()
    {
        var act = () => new InvertibleSequence(new InvertibleLayer[] { new Squeeze(), new ActNorm(3) }, new long[] { 3, 8, 8 });
        act.Should().Throw<ArgumentException>()
            .WithMessage("Layer 1 (ActNorm(3)) cannot take the per-sample shape [12, 4, 4] produced by layer 0 (Squeeze)*expects a per-sample shape [3, H, W]*");
    }

    [Fact]
    public void New_WithOddSizeBeforeSqueeze_ThrowsAtBuildTime()
    {
        var act = () => new InvertibleSequence(new InvertibleLayer[] { new ActNorm(1), new Squeeze() }, new long[] { 1, 5, 4 });
        act.Should().Throw<ArgumentException>().WithMessage("*Layer 1 (Squeeze)*[1, 5, 4]*even height*");
    }

    [Fact]
    public void New_WithNoLayers_Throws()
    {
        var act = () => new InvertibleSequence(Array.Empty<InvertibleLayer>(), new long[] { 1, 4, 4 });
        act.Should().Throw<ArgumentException>().WithMessage("*at least one layer*");
    }
}
