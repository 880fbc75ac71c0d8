using Denoising.Flow.Blur;
using Denoising.Flow.Denoisers;
using Denoising.Flow.Noise;

namespace Denoising.Flow.Quality;

/// <summary>Text forms of blur kernels, prior weights and noise used on the command line.</summary>
internal static class Parsing
{
    /// <summary>identity | gaussian:SIGMA[:SIZE] | box:SIZE</summary>
    public static IBlurKernel Blur(string text)
    {
        var p = text.Split(':');
        return p[0] switch
        {
            "identity" or "none" => BlurKernels.Identity,
            "gaussian" => BlurKernels.Gaussian(Args.Parse(p[1]), p.Length > 2 ? int.Parse(p[2]) : null),
            "box" => BlurKernels.Box(int.Parse(p[1])),
            _ => throw new ArgumentException($"Unknown blur '{text}' (identity, gaussian:SIGMA[:SIZE], box:SIZE)."),
        };
    }

    /// <summary>discrepancy[:GAMMA0[:TAU]] (alias scaled) | constant:LAMBDA</summary>
    public static PriorWeight Weight(string text, double rate, int hold, double? sigma = null)
    {
        var p = text.Split(':');
        return p[0] switch
        {
            "discrepancy" or "scaled" => PriorWeight.Discrepancy(p.Length > 1 ? Args.Parse(p[1]) : 0.25, rate, sigma, p.Length > 2 ? Args.Parse(p[2]) : 1.0, hold),
            "constant" => PriorWeight.Constant(Args.Parse(p[1])),
            _ => throw new ArgumentException($"Unknown prior weight '{text}' (discrepancy[:GAMMA0[:TAU]], constant:LAMBDA)."),
        };
    }

    /// <summary>The network options of the command line: --arch resnet|ffdnet|unet, --blocks, --width, --noise-input, --bounded.</summary>
    public static DenoiserNetworkOptions Network(Args a, int channels = 1) => new()
    {
        Channels = channels,
        Architecture = a.Text("arch", "resnet") switch
        {
            "resnet" => DenoiserArchitecture.ResNet,
            "ffdnet" => DenoiserArchitecture.FfdNet,
            "unet" => DenoiserArchitecture.UNet,
            var other => throw new ArgumentException($"Unknown --arch '{other}' (resnet, ffdnet, unet)."),
        },
        ResidualBlocks = a.Int("blocks", 16),
        Width = a.Int("width", 64),
        NoiseLevelInput = a.Flag("noise-input"),
        BoundedOutput = a.Flag("bounded"),
    };

    /// <summary>SIGMA or MIN-MAX (0..255 scale).</summary>
    public static GaussianNoise Noise(string text, bool clip = false)
    {
        var p = text.Split('-');
        return p.Length == 2 ? GaussianNoise.Range(Args.Parse(p[0]), Args.Parse(p[1]), clip) : GaussianNoise.Fixed(Args.Parse(p[0]), clip);
    }
}
