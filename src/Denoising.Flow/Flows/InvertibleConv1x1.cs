using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Flows;

/// <summary>
/// Invertible 1x1 convolution (Glow): a learned C x C channel mixing W applied at every pixel;
/// log|det J| = H * W * log|det W|. Subclasses choose how W is parametrised.
/// </summary>
public abstract class InvertibleConv1x1 : InvertibleLayer
{
    /// <summary>Creates the layer.</summary>
    protected InvertibleConv1x1(string name, long channels) : base(name, channels)
    {
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, "A 1x1 convolution needs at least one channel.");
    }

    /// <summary>The current C x C weight matrix (differentiable).</summary>
    public abstract Tensor Weight();

    /// <summary>log|det W| of the weight matrix, a scalar (differentiable).</summary>
    public abstract Tensor LogAbsDetWeight();

    /// <inheritdoc />
    public override Tensor LogDet(Tensor input) =>
        (LogAbsDetWeight() * (input.shape[2] * input.shape[3])).expand(input.shape[0]);

    /// <inheritdoc />
    protected override (Tensor Output, Tensor LogDet) ForwardCore(Tensor input)
    {
        long c = input.shape[1];
        var output = nn.functional.conv2d(input, Weight().view(c, c, 1, 1));
        return (output, LogDet(input));
    }

    /// <inheritdoc />
    protected override Tensor InverseCore(Tensor output)
    {
        using var scope = NewDisposeScope();
        long c = output.shape[1];
        // Invert in float64 whatever the working dtype: the inverse is only as good as its matrix.
        var inverse = linalg.inv(Weight().to(ScalarType.Float64)).to(output.dtype);
        return nn.functional.conv2d(output, inverse.view(c, c, 1, 1)).MoveToOuterDisposeScope();
    }

    /// <summary>A random orthogonal C x C matrix in float64 (QR of a Gaussian matrix, signs fixed).</summary>
    protected static Tensor RandomOrthogonal(long channels)
    {
        using var scope = NewDisposeScope();
        var (q, r) = linalg.qr(randn(channels, channels, dtype: ScalarType.Float64));
        var signs = r.diagonal().sign();
        signs = where(signs == 0, ones_like(signs), signs);
        return (q * signs.unsqueeze(0)).MoveToOuterDisposeScope();
    }
}
