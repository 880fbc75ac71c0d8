using Denoising.Flow.Internal;
using Denoising.Flow.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Denoising.Flow.Denoisers;

/// <summary>
/// The denoiser D (see <see cref="DenoiserNetworkOptions"/>): a body maps the input, with an optional constant channel holding
/// <see cref="NoiseMapScale"/> * sigma, to a correction r; D(x) = x + r, or sigmoid(logit(clamp(x)) + r) with a bounded output.
/// The FFDNet-style body runs on the pixel-unshuffled image, the UNet body on three resolutions; the image is replicate-padded at
/// the bottom and right to a multiple of <see cref="GridMultiple"/> and the result cropped back.
/// </summary>
internal sealed class DenoiserNetwork : nn.Module<Tensor, Tensor>
{
    /// <summary>Margin that keeps the logit of a clamped input finite (half an 8-bit level).</summary>
    public const double LogitMargin = 1.0 / 512;

    private readonly Conv2d head;
    private readonly ModuleList<ResidualBlock> blocks; // ResNet and FFDNet bodies; empty for a UNet
    private readonly UNetLevels? levels; // the UNet body only (a null field registers nothing, so older models keep their names)
    private readonly Conv2d tail;
    private readonly int scale;
    private readonly int grid;

    public DenoiserNetwork(DenoiserNetworkOptions options) : base(nameof(DenoiserNetwork))
    {
        Options = options;
        bool half = options.Architecture == DenoiserArchitecture.FfdNet;
        bool unet = options.Architecture == DenoiserArchitecture.UNet;
        scale = half ? 2 : 1;
        grid = unet ? UNetLevels.GridMultiple : scale;
        long imageChannels = options.Channels * scale * scale;
        head = nn.Conv2d(imageChannels + (options.NoiseLevelInput ? 1 : 0), options.Width, 3, padding: 1);
        blocks = ResidualBlock.Stage(unet ? 0 : options.ResidualBlocks, options.Width);
        if (unet) levels = new UNetLevels(options.ResidualBlocks, options.Width);
        tail = nn.Conv2d(options.Width, imageChannels, 3, padding: 1);
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

    /// <summary>Offsets of tiles must be multiples of this so that they keep the body's pixel grid (2 for FFDNet, 4 for the UNet, else 1).</summary>
    public int GridMultiple => grid;

    /// <summary>How much lower than the image's the resolution of the widest layer is (2 for FFDNet, else 1).</summary>
    public int WidestLayerScale => scale;

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
        long h = input.shape[2], w = input.shape[3];
        var features = input;
        long padH = (grid - (h % grid)) % grid, padW = (grid - (w % grid)) % grid;
        if (padH > 0 || padW > 0) features = nn.functional.pad(features, new long[] { 0, padW, 0, padH }, PaddingModes.Replicate);
        if (scale > 1) features = nn.functional.pixel_unshuffle(features, scale);
        if (sigmas is not null)
        {
            if (sigmas.dim() != 1 || sigmas.shape[0] != input.shape[0])
                throw new ArgumentException($"Expected one noise level per image ([{input.shape[0]}]), got shape {Shapes.Of(sigmas)}.", nameof(sigmas));
            var map = (sigmas.to(input.dtype).to(input.device) * NoiseMapScale).view(-1, 1, 1, 1)
                .expand(input.shape[0], 1, features.shape[2], features.shape[3]);
            features = cat(new[] { features, map }, 1);
        }
        var hidden = nn.functional.relu(SafeConvolution.Conv2d(head, features, padding: 1));
        if (levels is not null) hidden = levels.forward(hidden);
        hidden = ResidualBlock.Chain(blocks, hidden);
        var correction = SafeConvolution.Conv2d(tail, hidden, padding: 1);
        if (scale > 1) correction = nn.functional.pixel_shuffle(correction, scale);
        if (correction.shape[2] != h || correction.shape[3] != w) correction = correction.narrow(2, 0, h).narrow(3, 0, w);
        var output = Options.BoundedOutput ? Logit(input.clamp(LogitMargin, 1 - LogitMargin)).add(correction).sigmoid() : input + correction;
        return output.MoveToOuterDisposeScope();
    }

    private static Tensor Logit(Tensor p) => p.log() - (1 - p).log();
}
