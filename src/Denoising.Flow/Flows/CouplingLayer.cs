using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Flows;

/// <summary>
/// Template of the coupling layers: the first <see cref="ConditionChannels"/> channels pass unchanged and
/// condition a transform of the remaining <see cref="TransformedChannels"/> channels through a
/// <c>CouplingNetwork</c> whose last convolution starts at zero, so the layer starts as the identity.
/// Subclasses supply the elementwise transform of the second part.
/// </summary>
public abstract class CouplingLayer : InvertibleLayer
{
    private readonly CouplingNetwork network;

    /// <summary>Creates the layer.</summary>
    /// <param name="name">Module name.</param>
    /// <param name="channels">Channels of the input (at least 2).</param>
    /// <param name="hiddenChannels">Width of the conditioner network.</param>
    /// <param name="parametersPerChannel">Conditioner outputs per transformed channel (1 shift, or 2 for scale and shift).</param>
    protected CouplingLayer(string name, long channels, long hiddenChannels, int parametersPerChannel) : base(name, channels)
    {
        if (channels < 2) throw new ArgumentOutOfRangeException(nameof(channels), channels, $"{name} needs at least 2 channels to split.");
        if (hiddenChannels < 1) throw new ArgumentOutOfRangeException(nameof(hiddenChannels), hiddenChannels, "The coupling network needs a positive width.");
        ConditionChannels = channels / 2;
        TransformedChannels = channels - ConditionChannels;
        network = new CouplingNetwork(ConditionChannels, hiddenChannels, parametersPerChannel * TransformedChannels);
    }

    /// <summary>Channels that pass unchanged and condition the transform.</summary>
    public long ConditionChannels { get; }

    /// <summary>Channels that are transformed.</summary>
    public long TransformedChannels { get; }

    /// <summary>Transforms the second part given the conditioner output; returns it and the per-sample log-det.</summary>
    protected abstract (Tensor Output, Tensor LogDet) Transform(Tensor part, Tensor conditioner);

    /// <summary>Inverts <see cref="Transform"/>.</summary>
    protected abstract Tensor InverseTransform(Tensor part, Tensor conditioner);

    /// <inheritdoc />
    protected override (Tensor Output, Tensor LogDet) ForwardCore(Tensor input)
    {
        using var scope = NewDisposeScope();
        var a = input.narrow(1, 0, ConditionChannels);
        var b = input.narrow(1, ConditionChannels, TransformedChannels);
        var (yb, logDet) = Transform(b, network.forward(a));
        var output = cat(new[] { a, yb }, 1);
        return (output.MoveToOuterDisposeScope(), logDet.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    protected override Tensor InverseCore(Tensor output)
    {
        using var scope = NewDisposeScope();
        var a = output.narrow(1, 0, ConditionChannels);
        var yb = output.narrow(1, ConditionChannels, TransformedChannels);
        var b = InverseTransform(yb, network.forward(a));
        return cat(new[] { a, b }, 1).MoveToOuterDisposeScope();
    }
}
