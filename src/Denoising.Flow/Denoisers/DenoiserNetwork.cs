using Denoising.Flow.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Denoising.Flow.Denoisers;

/// <summary>
/// The ResNet denoiser D (see <see cref="DenoiserNetworkOptions"/>): D(x) = x + tail(blocks(head(x))), or, with a noise-level
/// input, D(x, sigma) = x + tail(blocks(head([x, s]))) where s is a constant channel holding <see cref="NoiseMapScale"/> * sigma.
/// </summary>
internal sealed class DenoiserNetwork : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d head;
    private readonly ModuleList<ResidualBlock> blocks;
    private readonly Conv2d tail;

    public DenoiserNetwork(DenoiserNetworkOptions options) : base(nameof(DenoiserNetwork))
    {
        Options = options;
        head = nn.Conv2d(options.Channels + (options.NoiseLevelInput ? 1 : 0), options.Width, 3, padding: 1);
        blocks = new ModuleList<ResidualBlock>(Enumerable.Range(0, options.ResidualBlocks).Select(_ => new ResidualBlock(options.Width)).ToArray());
        tail = nn.Conv2d(options.Width, options.Channels, 3, padding: 1);
        using (no_grad())
        {
            tail.weight!.zero_();
            tail.bias!.zero_();
        }
        RegisterComponents();
    }

    /// <summary>Sigma on the [0, 1] scale is fed as sigma * 5, so that the noise levels of interest (0..50 of 255) lie in [0, 1].</summary>
    public const double NoiseMapScale = 5.0;

    public DenoiserNetworkOptions Options { get; }

    protected override void RegisterComponents()
    {
        base.RegisterComponents();
        this.DetachFromScopes();
    }

    /// <summary>D(x) for a network without a noise-level input.</summary>
    public override Tensor forward(Tensor input)
    {
        if (Options.NoiseLevelInput)
            throw new InvalidOperationException("This denoiser network takes the noise level as an input; call Forward(input, sigmas).");
        return Forward(input, null);
    }

    /// <summary>D(x, sigma): <paramref name="sigmas"/> [B] on the [0, 1] scale, required exactly when the network takes it.</summary>
    public Tensor Forward(Tensor input, Tensor? sigmas)
    {
        if (Options.NoiseLevelInput != sigmas is not null)
            throw new InvalidOperationException(Options.NoiseLevelInput
                ? "This denoiser network takes the noise level as an input; none was given."
                : "This denoiser network takes no noise-level input.");
        using var scope = NewDisposeScope();
        var features = input;
        if (sigmas is not null)
        {
            if (sigmas.dim() != 1 || sigmas.shape[0] != input.shape[0])
                throw new ArgumentException($"Expected one noise level per image ([{input.shape[0]}]), got shape [{string.Join(", ", sigmas.shape)}].", nameof(sigmas));
            var map = (sigmas.to(input.dtype).to(input.device) * NoiseMapScale).view(-1, 1, 1, 1).expand(input.shape[0], 1, input.shape[2], input.shape[3]);
            features = cat(new[] { input, map }, 1);
        }
        var h = nn.functional.relu(head.forward(features));
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
