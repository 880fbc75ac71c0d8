using Denoising.Flow.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Denoising.Flow.Flows;

/// <summary>
/// The conditioner of a coupling layer (Glow): conv 3x3 -> ReLU -> conv 1x1 -> ReLU -> zero-initialised conv 3x3.
/// Its output is exactly zero at initialisation.
/// </summary>
internal sealed class CouplingNetwork : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d input;
    private readonly Conv2d hidden;
    private readonly ZeroConv2d output;

    public CouplingNetwork(long inChannels, long hiddenChannels, long outChannels) : base(nameof(CouplingNetwork))
    {
        input = nn.Conv2d(inChannels, hiddenChannels, 3, padding: 1);
        hidden = nn.Conv2d(hiddenChannels, hiddenChannels, 1);
        output = new ZeroConv2d(hiddenChannels, outChannels);
        RegisterComponents();
    }

    protected override void RegisterComponents()
    {
        base.RegisterComponents();
        this.DetachFromScopes();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = nn.functional.relu(SafeConvolution.Conv2d(input, x, padding: 1));
        h = nn.functional.relu(hidden.forward(h));
        return output.forward(h).MoveToOuterDisposeScope();
    }
}
