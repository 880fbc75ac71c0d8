using Denoising.Flow.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Denoising.Flow.Flows;

/// <summary>
/// A 3x3 convolution whose weight, bias and per-channel output scale start at zero (Glow's "ZeroConv2d"),
/// so that a coupling or split prior built on it starts as the identity. Output = conv(x) * exp(3 * logScale).
/// </summary>
internal sealed class ZeroConv2d : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly Parameter logScale;

    public ZeroConv2d(long inChannels, long outChannels) : base(nameof(ZeroConv2d))
    {
        conv = nn.Conv2d(inChannels, outChannels, 3, padding: 1);
        using (no_grad())
        {
            conv.weight!.zero_();
            conv.bias!.zero_();
        }
        logScale = nn.Parameter(zeros(1, outChannels, 1, 1));
        RegisterComponents();
    }

    protected override void RegisterComponents()
    {
        base.RegisterComponents();
        this.DetachFromScopes();
    }

    public override Tensor forward(Tensor input) => SafeConvolution.Conv2d(conv, input, padding: 1) * (logScale * 3).exp();
}
