using Denoising.Flow.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Flows;

/// <summary>
/// Space-to-depth: [C, H, W] -> [4C, H/2, W/2] (each 2x2 block becomes four channels). A permutation: log|det J| = 0.
/// </summary>
public sealed class Squeeze : InvertibleLayer
{
    /// <summary>Creates the layer; it takes any channel count and even H and W.</summary>
    public Squeeze() : base(nameof(Squeeze), channels: null)
    {
        RegisterComponents();
    }

    /// <inheritdoc />
    public override long[] OutputShape(long[] inputShape)
    {
        var shape = base.OutputShape(inputShape);
        long h = SampleShape.Half(Name, inputShape, shape[1], "height");
        long w = SampleShape.Half(Name, inputShape, shape[2], "width");
        return new[] { shape[0] * 4, h, w };
    }

    /// <inheritdoc />
    protected override (Tensor Output, Tensor LogDet) ForwardCore(Tensor input)
    {
        if (input.shape[2] % 2 != 0 || input.shape[3] % 2 != 0)
            throw new ArgumentException($"{Name} needs an even height and width, got shape {Shapes.Of(input)}.", nameof(input));
        return (nn.functional.pixel_unshuffle(input, 2), ZeroLogDet(input));
    }

    /// <inheritdoc />
    protected override Tensor InverseCore(Tensor output)
    {
        if (output.shape[1] % 4 != 0)
            throw new ArgumentException($"The inverse of {Name} needs a channel count divisible by 4, got shape {Shapes.Of(output)}.", nameof(output));
        return nn.functional.pixel_shuffle(output, 2);
    }
}
