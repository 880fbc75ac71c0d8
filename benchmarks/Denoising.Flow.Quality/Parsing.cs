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

    /// <summary>discrepancy[:SIGMA] | per-level[:BIN[:GAMMA0]] | scaled[:GAMMA0[:TAU]] | adaptive:GAMMA | constant:LAMBDA</summary>
    public static PriorWeight Weight(string text, double initialLambda, double rate)
    {
        var p = text.Split(':');
        return p[0] switch
        {
            "discrepancy" => PriorWeight.Discrepancy(p.Length > 1 ? Args.Parse(p[1]) : null, initialLambda, rate),
            "per-level" => PriorWeight.DiscrepancyPerNoiseLevel(p.Length > 1 ? Args.Parse(p[1]) : 5, p.Length > 2 ? Args.Parse(p[2]) : 0.3, rate),
            "scaled" => PriorWeight.ScaledDiscrepancy(p.Length > 1 ? Args.Parse(p[1]) : 0.25, rate, targetRatio: p.Length > 2 ? Args.Parse(p[2]) : 1.0),
            "adaptive" => PriorWeight.NoiseAdaptive(p.Length > 1 ? Args.Parse(p[1]) : 1.0),
            "constant" => PriorWeight.Constant(Args.Parse(p[1])),
            _ => throw new ArgumentException($"Unknown prior weight '{text}' (discrepancy[:SIGMA], per-level[:BIN[:GAMMA0]], scaled[:GAMMA0[:TAU]], adaptive:GAMMA, constant:LAMBDA)."),
        };
    }

    /// <summary>SIGMA or MIN-MAX (0..255 scale).</summary>
    public static GaussianNoise Noise(string text, bool clip = false)
    {
        var p = text.Split('-');
        return p.Length == 2 ? GaussianNoise.Range(Args.Parse(p[0]), Args.Parse(p[1]), clip) : GaussianNoise.Fixed(Args.Parse(p[0]), clip);
    }
}
