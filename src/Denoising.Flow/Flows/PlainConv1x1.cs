using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Denoising.Flow.Flows;

/// <summary>
/// Invertible 1x1 convolution with an unconstrained C x C weight. log|det W| comes from
/// <c>slogdet</c> computed in float64, so it costs O(C^3) per call; prefer <see cref="LuConv1x1"/> for training.
/// </summary>
public sealed class PlainConv1x1 : InvertibleConv1x1
{
    private readonly Parameter weight;

    /// <summary>Creates the layer, starting from a random rotation (drawn from torch's global generator).</summary>
    public PlainConv1x1(long channels) : base(nameof(PlainConv1x1), channels)
    {
        using (var scope = NewDisposeScope())
            weight = nn.Parameter(RandomOrthogonal(channels).to(ScalarType.Float32).MoveToOuterDisposeScope());
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor Weight() => weight.alias();

    /// <inheritdoc />
    public override Tensor LogAbsDetWeight()
    {
        using var scope = NewDisposeScope();
        var (_, logAbsDet) = linalg.slogdet(weight.to(ScalarType.Float64));
        return logAbsDet.to(weight.dtype).MoveToOuterDisposeScope();
    }
}
