using Denoising.Flow.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Denoising.Flow.Denoisers;

/// <summary>
/// The body of <see cref="DenoiserArchitecture.UNet"/> between the head and the tail: <see cref="Levels"/> resolutions, the
/// features doubling and the resolution halving at each step down. At every level but the lowest, an encoder stage of residual
/// blocks runs on the way down and a decoder stage on the way up, the decoder starting from the upsampled lower level plus
/// the encoder's output (an additive skip, as in DRUNet, Zhang et al. 2021); the lowest level has one stage. Down: 2x2 pixel
/// unshuffle then a 1x1 convolution (a 2x2 stride-2 convolution); up: a 1x1 convolution then a 2x2 pixel shuffle (a 2x2
/// stride-2 transposed convolution). A 3x3 convolution at level k costs what one at full resolution costs (4^k times the
/// weights on 4^-k of the pixels), so the body costs about 2 x 9 x width^2 multiply-adds per pixel per block and stage, and
/// its receptive field grows with 2^k per convolution instead of 1. Input height and width must be multiples of
/// <see cref="GridMultiple"/>.
/// </summary>
internal sealed class UNetLevels : nn.Module<Tensor, Tensor>
{
    /// <summary>Resolutions: full, half and quarter.</summary>
    public const int Levels = 3;

    /// <summary>What height and width must be multiples of: 2^(Levels - 1).</summary>
    public const int GridMultiple = 1 << (Levels - 1);

    private readonly ModuleList<ModuleList<ResidualBlock>> encoders;
    private readonly ModuleList<Conv2d> downs;
    private readonly ModuleList<ResidualBlock> middle;
    private readonly ModuleList<Conv2d> ups;
    private readonly ModuleList<ModuleList<ResidualBlock>> decoders;

    public UNetLevels(int blocksPerStage, long width) : base(nameof(UNetLevels))
    {
        long Width(int level) => width << level;
        var upper = Enumerable.Range(0, Levels - 1).ToArray();
        encoders = new(upper.Select(k => ResidualBlock.Stage(blocksPerStage, Width(k))).ToArray());
        downs = new(upper.Select(k => nn.Conv2d(4 * Width(k), Width(k + 1), 1)).ToArray());
        middle = ResidualBlock.Stage(blocksPerStage, Width(Levels - 1));
        ups = new(upper.Select(k => nn.Conv2d(Width(k + 1), 4 * Width(k), 1)).ToArray());
        decoders = new(upper.Select(k => ResidualBlock.Stage(blocksPerStage, Width(k))).ToArray());
        RegisterComponents();
    }

    /// <summary>Pixels of context each output pixel gains on every side: 2^k per 3x3 convolution, down and up step at level k.</summary>
    public static int ReceptiveRadius(int blocksPerStage)
    {
        int radius = 0;
        for (int k = 0; k < Levels - 1; k++) radius += (1 << k) * (2 * 2 * blocksPerStage + 2); // encoder, decoder, down, up
        return radius + ((1 << (Levels - 1)) * 2 * blocksPerStage);
    }

    /// <summary>The number of parameters of the body of <paramref name="width"/> (computed without building it).</summary>
    public static double ParameterCount(int blocksPerStage, double width)
    {
        double count = 0;
        for (int k = 0; k < Levels; k++)
        {
            double w = width * (1 << k);
            double stage = blocksPerStage * ResidualBlock.ParameterCount(w);
            count += k < Levels - 1 ? (2 * stage) + (4 * w * 2 * w) + (2 * w) + (2 * w * 4 * w) + (4 * w) : stage;
        }
        return count;
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var skips = new Tensor[Levels - 1];
        for (int k = 0; k < Levels - 1; k++)
        {
            skips[k] = ResidualBlock.Chain(encoders[k], x);
            x = SafeConvolution.Conv2d(downs[k], nn.functional.pixel_unshuffle(skips[k], 2), padding: 0);
        }
        x = ResidualBlock.Chain(middle, x);
        for (int k = Levels - 2; k >= 0; k--)
        {
            x = nn.functional.pixel_shuffle(SafeConvolution.Conv2d(ups[k], x, padding: 0), 2) + skips[k];
            x = ResidualBlock.Chain(decoders[k], x);
        }
        return x.MoveToOuterDisposeScope();
    }
}
