using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Flows;

/// <summary>
/// Affine coupling: y_b = x_b * exp(s) + t with (s, t) = NN(x_a). The log-scale is bounded softly,
/// s = bound * tanh(raw / bound), so that no step can blow up or vanish; log|det J| = sum(s).
/// Starts as the identity (s = t = 0).
/// </summary>
public sealed class AffineCoupling : CouplingLayer
{
    /// <summary>The default bound on |log-scale|.</summary>
    public const double DefaultScaleBound = 2.0;

    /// <summary>Creates the layer.</summary>
    public AffineCoupling(long channels, long hiddenChannels, double scaleBound = DefaultScaleBound)
        : base(nameof(AffineCoupling), channels, hiddenChannels, parametersPerChannel: 2)
    {
        if (!(scaleBound > 0) || double.IsInfinity(scaleBound))
            throw new ArgumentOutOfRangeException(nameof(scaleBound), scaleBound, "The log-scale bound must be positive and finite.");
        ScaleBound = scaleBound;
        RegisterComponents();
    }

    /// <summary>The bound on |log-scale|.</summary>
    public double ScaleBound { get; }

    /// <inheritdoc />
    protected override (Tensor Output, Tensor LogDet) Transform(Tensor part, Tensor conditioner)
    {
        var (logScale, shift) = Split(conditioner);
        var output = part * logScale.exp() + shift;
        return (output, logScale.sum(new long[] { 1, 2, 3 }));
    }

    /// <inheritdoc />
    protected override Tensor InverseTransform(Tensor part, Tensor conditioner)
    {
        var (logScale, shift) = Split(conditioner);
        return (part - shift) * (-logScale).exp();
    }

    private (Tensor LogScale, Tensor Shift) Split(Tensor conditioner)
    {
        // First half of the conditioner's channels: raw log-scale; second half: shift.
        var raw = conditioner.narrow(1, 0, TransformedChannels);
        var shift = conditioner.narrow(1, TransformedChannels, TransformedChannels);
        var logScale = (raw / ScaleBound).tanh() * ScaleBound;
        return (logScale, shift);
    }
}
