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

    /// <summary><see cref="EstimateBatch(Tensor)"/> with a given chunk size (tests: several chunks on a small image).</summary>
    internal static double[] EstimateBatch(Tensor images, long chunkValues)
    {
        using var scope = torch.NewDisposeScope();
        return EstimateCore(images, nameof(images), chunkValues);
    }

    private static double[] EstimateCore(Tensor batch, string paramName, long chunkValues = DefaultChunkValues)
    {
        long h = batch.shape[2] / 2 * 2, w = batch.shape[3] / 2 * 2;
        if (h < 2 || w < 2)
        {
            throw new ArgumentException(
                $"Noise estimation needs H and W of at least 2; got {batch.shape[2]}x{batch.shape[3]} (HxW).",
                paramName);
        }

        var hh = HaarDiagonalMagnitudes(batch.detach(), h, w, chunkValues);
        long n = hh.shape[1];
        // The median by selection (O(n), exact): the same value the full sort gave, at a fraction of its time.
        var median = n % 2 == 1
            ? hh.kthvalue((n / 2) + 1, dim: 1).values
            : (hh.kthvalue(n / 2, dim: 1).values + hh.kthvalue((n / 2) + 1, dim: 1).values).div(2.0);
        var sigma = median.mul(255.0 / MadOfStandardNormal).cpu();
        return sigma.data<double>().ToArray();
    }

    /// <summary>Rows of 2x2 blocks converted to float64 per chunk, so no float64 copy of a whole (large) image is ever made.</summary>
    private const long DefaultChunkValues = 1 << 22;

    /// <summary>|HH| in float64, [B, (h/2) * (w/2) * C], computed in chunks of rows.</summary>
    private static Tensor HaarDiagonalMagnitudes(Tensor batch, long h, long w, long chunkValues)
    {
        long b = batch.shape[0], c = batch.shape[1], rows = h / 2, cols = w / 2;
        var hh = empty(new[] { b, c, rows, cols }, dtype: ScalarType.Float64, device: batch.device);
        long chunkRows = Math.Max(1, chunkValues / Math.Max(1, b * c * cols));
        for (long top = 0; top < rows; top += chunkRows)
        {
            using var scope = torch.NewDisposeScope();
            long count = Math.Min(chunkRows, rows - top);
            var x = batch.narrow(2, 2 * top, 2 * count).narrow(3, 0, w).to(ScalarType.Float64);
            var a = x[.., .., TensorIndex.Slice(0, null, 2), TensorIndex.Slice(0, null, 2)];
            var bb = x[.., .., TensorIndex.Slice(0, null, 2), TensorIndex.Slice(1, null, 2)];
            var cc = x[.., .., TensorIndex.Slice(1, null, 2), TensorIndex.Slice(0, null, 2)];
            var d = x[.., .., TensorIndex.Slice(1, null, 2), TensorIndex.Slice(1, null, 2)];
            hh.narrow(2, top, count).copy_((a - bb - cc + d).div(2.0).abs());
        }
        return hh.reshape(b, -1);
    }
}
