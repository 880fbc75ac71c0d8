using Denoising.Flow.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Metrics;

/// <summary>
/// Full-reference image quality: PSNR and SSIM, computed in float64 whatever the inputs' dtype. Inputs are
/// read, never modified or disposed; both must have the same shape and device. Stateless and thread-safe.
/// </summary>
public static partial class ImageQuality
{
    /// <summary>
    /// Peak signal-to-noise ratio 10*log10(peak^2 / MSE) in dB, the MSE taken over the whole tensor.
    /// Identical inputs give <see cref="double.PositiveInfinity"/>.
    /// </summary>
    /// <param name="image">The image to score, e.g. [C,H,W] (any shape; the whole tensor is one image).</param>
    /// <param name="reference">The clean reference, same shape as <paramref name="image"/>.</param>
    /// <param name="peak">The largest possible value: 1.0 for [0,1] images (default), 255 for 8-bit values.</param>
    /// <returns>The PSNR in dB.</returns>
    /// <exception cref="ArgumentException">Shapes differ (both are named), a tensor is empty or not floating-point,
    /// or peak is not finite and positive.</exception>
    public static double Psnr(Tensor image, Tensor reference, double peak = 1.0)
    {
        CheckPair(image, reference, minRank: 1);
        CheckPeak(peak);
        using var scope = torch.NewDisposeScope();
        double mse = Diff(image, reference).square().mean().item<double>();
        return ToPsnr(mse, peak);
    }

    /// <summary>PSNR of each image of a batch; see <see cref="Psnr(Tensor, Tensor, double)"/>.</summary>
    /// <param name="images">The images to score, [B,C,H,W].</param>
    /// <param name="references">The clean references, same shape.</param>
    /// <param name="peak">The largest possible value; default 1.0.</param>
    /// <returns>The PSNR in dB per image (+Infinity where an image equals its reference).</returns>
    /// <exception cref="ArgumentException">Shapes differ, a tensor is not [B,C,H,W], or peak is invalid.</exception>
    public static double[] PsnrBatch(Tensor images, Tensor references, double peak = 1.0)
    {
        ImageTensorGuard.Batch(images, nameof(images));
        CheckPair(images, references, minRank: 4, nameof(images), nameof(references));
        CheckPeak(peak);
        using var scope = torch.NewDisposeScope();
        var mse = Diff(images, references).square().mean(new long[] { 1, 2, 3 }).cpu();
        return mse.data<double>().Select(m => ToPsnr(m, peak)).ToArray();
    }

    private static double ToPsnr(double mse, double peak) => 10.0 * Math.Log10(peak * peak / mse);

    private static Tensor Diff(Tensor image, Tensor reference) =>
        image.detach().to(ScalarType.Float64) - reference.detach().to(ScalarType.Float64);

    private static void CheckPair(
        Tensor image, Tensor reference, int minRank, string imageName = "image", string referenceName = "reference")
    {
        ArgumentNullException.ThrowIfNull(image, imageName);
        ArgumentNullException.ThrowIfNull(reference, referenceName);
        ImageTensorGuard.SameShape(image, reference, imageName, referenceName);
        if (image.dim() < minRank || image.numel() == 0)
        {
            throw new ArgumentException(
                $"Expected a non-empty tensor of rank >= {minRank}; got {Shapes.Format(image.shape)}.",
                imageName);
        }

        if (!torch.is_floating_point(image.dtype) || !torch.is_floating_point(reference.dtype))
        {
            throw new ArgumentException(
                $"Expected floating-point tensors; got {image.dtype} and {reference.dtype}.", imageName);
        }

        if (image.device.type != reference.device.type || image.device.index != reference.device.index)
        {
            throw new ArgumentException(
                $"Tensors must be on the same device: {imageName} is on {image.device}, {referenceName} on {reference.device}.",
                referenceName);
        }
    }

    private static void CheckPeak(double peak)
    {
        if (!double.IsFinite(peak) || peak <= 0)
        {
            throw new ArgumentException(
                FormattableString.Invariant($"peak must be finite and > 0 (got {peak})."), nameof(peak));
        }
    }
}
