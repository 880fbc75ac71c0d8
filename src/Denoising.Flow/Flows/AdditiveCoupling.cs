using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Flows;

/// <summary>Additive coupling (NICE): y_b = x_b + t with t = NN(x_a); volume preserving, log|det J| = 0.</summary>
public sealed class AdditiveCoupling : CouplingLayer
{
    /// <summary>Creates the layer.</summary>
    public AdditiveCoupling(long channels, long hiddenChannels)
        : base(nameof(AdditiveCoupling), channels, hiddenChannels, parametersPerChannel: 1)
    {
        RegisterComponents();
    }

    /// <inheritdoc />
    protected override (Tensor Output, Tensor LogDet) Transform(Tensor part, Tensor conditioner) =>
        (part + conditioner, ZeroLogDet(part));

    /// <inheritdoc />
    protected override Tensor InverseTransform(Tensor part, Tensor conditioner) => part - conditioner;
}
