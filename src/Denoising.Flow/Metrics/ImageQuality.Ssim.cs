using Denoising.Flow.Blur;
using Denoising.Flow.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Metrics;

/// <content>SSIM (Wang, Bovik, Sheikh and Simoncelli, IEEE TIP 2004).</content>
public static partial class ImageQuality
{
    /// <summary>The SSIM window side (11).</summary>
    public const int SsimWindowSize = 11;

    /// <summary>The SSIM Gaussian window's standard deviation (1.5).</summary>
    public const double SsimWindowSigma = 1.5;

    private const double K1 = 0.01;
    private const double K2 = 0.03;

    private static readonly double[] SsimWindow =
        BlurKernels.Gaussian(SsimWindowSigma, SsimWindowSize).GetTaps().Cast<double>().ToArray();

    /// <summary>
    /// Mean structural similarity as in the reference MATLAB <c>ssim_index</c>: 11x11 Gaussian window
    /// (sigma 1.5, normalised), K1 = 0.01, K2 = 0.03, L = <paramref name="peak"/>, 'valid' filtering (no padding,
    /// so the map is (H-10)x(W-10)), no downsampling; the mean of the SSIM map, averaged over channels for colour.
    /// Computed in float64. Identical images give 1.
    /// </summary>
    /// <param name="image">The image to score, [C,H,W] with H, W &gt;= 11.</param>
    /// <param name="reference">The clean reference, same shape.</param>
    /// <param name="peak">The dynamic range L: 1.0 for [0,1] images (default).</param>
    /// <returns>The mean SSIM, at most 1.</returns>
    /// <exception cref="ArgumentException">Shapes differ (both are named), the tensor is not [C,H,W], an image is
    /// smaller than 11x11, or peak is not finite and positive.</exception>
    public static double Ssim(Tensor image, Tensor reference, double peak = 1.0)
    {
        ImageTensorGuard.Image(image, nameof(image));
        CheckPair(image, reference, minRank: 3);
        CheckPeak(peak);
        using var scope = torch.NewDisposeScope();
        return SsimCore(image.unsqueeze(0), reference.unsqueeze(0), peak, nameof(image))[0];
    }

    /// <summary>SSIM of each image of a batch; see <see cref="Ssim(Tensor, Tensor, double)"/>.</summary>
    /// <param name="images">The images to score, [B,C,H,W] with H, W &gt;= 11.</param>
    /// <param name="references">The clean references, same shape.</param>
    /// <param name="peak">The dynamic range L; default 1.0.</param>
    /// <returns>The mean SSIM per image.</returns>
    /// <exception cref="ArgumentException">Shapes differ, the tensor is not [B,C,H,W], an image is smaller than
    /// 11x11, or peak is invalid.</exception>
    public static double[] SsimBatch(Tensor images, Tensor references, double peak = 1.0)
    {
        ImageTensorGuard.Batch(images, nameof(images));
        CheckPair(images, references, minRank: 4, nameof(images), nameof(references));
        CheckPeak(peak);
        using var scope = torch.NewDisposeScope();
        return SsimCore(images, references, peak, nameof(images));
    }

    private static double[] SsimCore(Tensor x, Tensor y, double peak, string paramName)
    {
        long h = x.shape[2], w = x.shape[3], channels = x.shape[1];
        if (h < SsimWindowSize || w < SsimWindowSize)
        {
            throw new ArgumentException(
                $"SSIM needs images of at least {SsimWindowSize}x{SsimWindowSize}; got {h}x{w} (HxW).", paramName);
        }

        var a = x.detach().to(ScalarType.Float64);
        var b = y.detach().to(ScalarType.Float64);
        var window = torch.tensor(SsimWindow, new long[] { 1, 1, SsimWindowSize, SsimWindowSize }, ScalarType.Float64)
            .to(a.device)
            .expand(channels, 1, SsimWindowSize, SsimWindowSize)
            .contiguous();
        Tensor Filter(Tensor t) => torch.nn.functional.conv2d(t, window, groups: channels);

        double c1 = (K1 * peak) * (K1 * peak), c2 = (K2 * peak) * (K2 * peak);
        var muA = Filter(a);
        var muB = Filter(b);
        var muA2 = muA.square();
        var muB2 = muB.square();
        var muAB = muA * muB;
        var varA = Filter(a.square()) - muA2;
        var varB = Filter(b.square()) - muB2;
        var cov = Filter(a * b) - muAB;
        var map = (muAB.mul(2).add(c1) * cov.mul(2).add(c2))
            / ((muA2 + muB2).add(c1) * (varA + varB).add(c2));
        var perImage = map.mean(new long[] { 1, 2, 3 }).cpu();
        return perImage.data<double>().ToArray();
    }
}
