using Denoising.Flow.Flows;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Flows;

public class SqueezeTests : InvertibleLayerTestBase
{
    public SqueezeTests(ITestOutputHelper output) : base(output) { }

    protected override InvertibleLayer CreateLayer(long channels) => new Squeeze();

    protected override IEnumerable<long[]> Shapes => new[] { new long[] { 2, 1, 4, 4 }, new long[] { 2, 3, 2, 4 } };

    [Fact]
    public void OutputShape_QuadruplesChannelsAndHalvesSize()
    {
        new Squeeze().OutputShape(new long[] { 3, 8, 6 }).Should().Equal(12, 4, 3);
        new Squeeze().OutputShape(new long[] { 3, -1, -1 }).Should().Equal(12, -1, -1);
    }

    [Fact]
    public void Forward_WithOddSize_ThrowsNamingShape()
    {
        var layer = new Squeeze();
        using var x = zeros(1, 1, 3, 4);
        var act = () => layer.Forward(x);
        act.Should().Throw<ArgumentException>().WithMessage("*even*[1, 1, 3, 4]*");
        var shape = () => layer.OutputShape(new long[] { 1, 3, 4 });
        shape.Should().Throw<ArgumentException>().WithMessage("*even height*[1, 3, 4]*");
    }

    [Fact]
    public void Forward_MovesEachTwoByTwoBlockIntoChannels()
    {
        using var scope = NewDisposeScope();
        var x = arange(16).view(1, 1, 4, 4).to(ScalarType.Float32);
        var y = new Squeeze().Forward(x).Output;
        y.shape.Should().Equal(1, 4, 2, 2);
        y[0, TensorIndex.Colon, 0, 0].data<float>().ToArray().Should().Equal(0, 1, 4, 5);
    }
}
