using Denoising.Flow.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Denoising.Flow.Denoisers;

/// <summary>The ResNet denoiser D (see <see cref="DenoiserNetworkOptions"/>): D(x) = x + tail(blocks(head(x))).</summary>
internal sealed class DenoiserNetwork : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d head;
    private readonly ModuleList<ResidualBlock> blocks;
    private readonly Conv2d tail;

    public DenoiserNetwork(DenoiserNetworkOptions options) : base(nameof(DenoiserNetwork))
    {
        Options = options;
        head = nn.Conv2d(options.Channels, options.Width, 3, padding: 1);
        blocks = new ModuleList<ResidualBlock>(Enumerable.Range(0, options.ResidualBlocks).Select(_ => new ResidualBlock(options.Width)).ToArray());
        tail = nn.Conv2d(options.Width, options.Channels, 3, padding: 1);
        using (no_grad())
        {
            tail.weight!.zero_();
            tail.bias!.zero_();
        }
        RegisterComponents();
    }

    public DenoiserNetworkOptions Options { get; }

    protected override void RegisterComponents()
    {
        base.RegisterComponents();
        this.DetachFromScopes();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var h = nn.functional.relu(head.forward(input));
        foreach (var block in blocks) h = block.forward(h);
        return (input + tail.forward(h)).MoveToOuterDisposeScope();
    }

    private sealed class ResidualBlock : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d first;
        private readonly Conv2d second;

        public ResidualBlock(long width) : base(nameof(ResidualBlock))
        {
            first = nn.Conv2d(width, width, 3, padding: 1);
            second = nn.Conv2d(width, width, 3, padding: 1);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var h = second.forward(nn.functional.relu(first.forward(x)));
            return nn.functional.relu(x + h).MoveToOuterDisposeScope();
        }
    }
}
