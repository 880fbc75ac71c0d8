using Denoising.Flow.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Noise;

/// <summary>
/// Estimates the standard deviation of additive white Gaussian noise from a noisy image alone (Donoho's MAD
/// rule): sigma = median(|HH|) / 0.6745 over the finest Haar diagonal band, HH = (a - b - c + d) / 2 for each
/// 2x2 block [[a, b], [c, d]] (orthonormal, so white noise keeps its variance). Channels of an image are pooled.
/// Smooth image content hardly reaches HH; texture and edges bias the estimate upwards, and clipping at 0 and 1
/// biases it downwards. Stateless and thread-safe.
/// </summary>
public static class NoiseLevelEstimator
{
    /// <summary>The median absolute deviation of a standard normal variable.</summary>
    public const double MadOfStandardNormal = 0.6745;

    /// <summary>Estimates the noise level of one image.</summary>
    /// <param name="image">A floating-point [C,H,W] image on the [0,1] scale, H and W at least 2 (an odd last
    /// row or column is ignored); not modified or disposed.</param>
    /// <returns>The estimated sigma on the 0..255 scale.</returns>
    /// <exception cref="ArgumentException">The tensor is not [C,H,W] or is smaller than 2x2.</exception>
    public static double Estimate(Tensor image)
    {
        ImageTensorGuard.Image(image, nameof(image));
        using var scope = torch.NewDisposeScope();
        return EstimateCore(image.unsqueeze(0), nameof(image))[0];
    }

    /// <summary>Estimates the noise level of each image of a batch.</summary>
    /// <param name="images">A floating-point [B,C,H,W] batch on the [0,1] scale, H and W at least 2.</param>
    /// <returns>The estimated sigma per image on the 0..255 scale.</returns>
    /// <exception cref="ArgumentException">The tensor is not [B,C,H,W] or is smaller than 2x2.</exception>
    public static double[] EstimateBatch(Tensor images)
    {
        ImageTensorGuard.Batch(images, nameof(images));
        using var scope = torch.NewDisposeScope();
        return EstimateCore(images, nameof(images));
    }

    private static double[] EstimateCore(Tensor batch, string paramName)
    {
        long h = batch.shape[2] / 2 * 2, w = batch.shape[3] / 2 * 2;
        if (h < 2 || w < 2)
        {
            throw new ArgumentException(
                $"Noise estimation needs H and W of at least 2; got {batch.shape[2]}x{batch.shape[3]} (HxW).",
                paramName);
        }

        var x = batch.detach().to(ScalarType.Float64);
        var a = x[.., .., TensorIndex.Slice(0, h, 2), TensorIndex.Slice(0, w, 2)];
        var b = x[.., .., TensorIndex.Slice(0, h, 2), TensorIndex.Slice(1, w, 2)];
        var c = x[.., .., TensorIndex.Slice(1, h, 2), TensorIndex.Slice(0, w, 2)];
        var d = x[.., .., TensorIndex.Slice(1, h, 2), TensorIndex.Slice(1, w, 2)];
        var hh = (a - b - c + d).div(2.0).abs().reshape(batch.shape[0], -1);
        var sorted = hh.sort(dim: 1).Values;
        long n = sorted.shape[1];
        var median = n % 2 == 1
            ? sorted[.., n / 2]
            : (sorted[.., (n / 2) - 1] + sorted[.., n / 2]).div(2.0);
        var sigma = median.mul(255.0 / MadOfStandardNormal).cpu();
        return sigma.data<double>().ToArray();
    }
}
