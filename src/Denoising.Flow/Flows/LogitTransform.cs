using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Flows;

/// <summary>
/// Logit preprocessing (Real NVP): y = logit(alpha + (1 - 2 alpha) x) for x in [0, 1], mapping the bounded pixel
/// range onto the real line. log|det J| = sum over pixels of log(1 - 2 alpha) - log(s) - log(1 - s), s = alpha + (1 - 2 alpha) x.
/// </summary>
/// <remarks>
/// Values outside [0, 1] have no logit: the caller keeps inputs in range (the Glow model checks this).
/// For 8-bit data, <see cref="Dequantize"/> spreads each level over its bin, so that the model's density on
/// [0, 1] bounds the discrete likelihood (bits/dim then adds log2(256) per dimension).
/// </remarks>
public sealed class LogitTransform : InvertibleLayer
{
    /// <summary>The default margin alpha, as in Real NVP.</summary>
    public const double DefaultAlpha = 0.05;

    /// <summary>Creates the layer.</summary>
    public LogitTransform(double alpha = DefaultAlpha) : base(nameof(LogitTransform), channels: null)
    {
        if (!(alpha > 0 && alpha < 0.5))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must lie in (0, 0.5).");
        Alpha = alpha;
        RegisterComponents();
    }

    /// <summary>The margin that keeps 0 and 1 away from the logit's poles.</summary>
    public double Alpha { get; }

    /// <summary>
    /// Uniform dequantisation of 8-bit data in [0, 1]: (round(255 x) + u) / 256 with u ~ U(0, 1) per value.
    /// The result lies in [0, 1) with the input's dtype and device.
    /// </summary>
    public static Tensor Dequantize(Tensor images, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        var levels = (images * 255).round().clamp(0, 255);
        var u = rand(images.shape, dtype: images.dtype, device: images.device, generator: generator);
        return ((levels + u) / 256).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override (Tensor Output, Tensor LogDet) ForwardCore(Tensor input)
    {
        using var scope = NewDisposeScope();
        var s = input * (1 - 2 * Alpha) + Alpha;
        var output = s.log() - (1 - s).log();
        var perValue = Math.Log(1 - 2 * Alpha) - s.log() - (1 - s).log();
        var logDet = perValue.flatten(1).sum(1);
        return (output.MoveToOuterDisposeScope(), logDet.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    protected override Tensor InverseCore(Tensor output)
    {
        using var scope = NewDisposeScope();
        return ((output.sigmoid() - Alpha) / (1 - 2 * Alpha)).MoveToOuterDisposeScope();
    }
}
