using static TorchSharp.torch;

namespace Denoising.Flow.Blur;

/// <summary>
/// A square, odd-sized, normalised (taps sum to 1) blur kernel B, used by the denoiser's training loss
/// ||B*D(N) - B*N||^2. Implementations are immutable and safe to share across threads.
/// </summary>
public interface IBlurKernel
{
    /// <summary>
    /// A descriptor of the kernel, e.g. <c>gaussian(sigma=1.5,size=11)</c>; together with
    /// <see cref="GetTaps"/> it rebuilds the kernel through <see cref="BlurKernels.FromDescriptor"/>.
    /// </summary>
    string Name { get; }

    /// <summary>The side length of the kernel (odd, at least 1).</summary>
    int Size { get; }

    /// <summary>
    /// The sum of the squared taps, sum(k^2). Blurring white noise of standard deviation s leaves noise of
    /// variance s^2 * sum(k^2), which is what the discrepancy principle needs.
    /// </summary>
    double SumOfSquaredTaps { get; }

    /// <summary>Returns a copy of the taps as a [Size, Size] array (row = vertical offset).</summary>
    /// <returns>A new array; changing it does not change the kernel.</returns>
    double[,] GetTaps();

    /// <summary>
    /// Blurs each channel independently (depthwise convolution) with reflect padding, so the output has the
    /// input's shape, dtype and device. Differentiable. The input is not disposed or modified.
    /// </summary>
    /// <param name="images">A floating-point image [C,H,W] or batch [B,C,H,W].</param>
    /// <returns>The blurred images, a new tensor (or an alias for the identity kernel).</returns>
    /// <exception cref="ArgumentException">
    /// The tensor is not a floating-point [C,H,W] or [B,C,H,W] tensor, or H or W is not larger than the
    /// kernel radius (reflect padding needs radius &lt; H and radius &lt; W).
    /// </exception>
    /// <remarks>
    /// As torch's conv2d, this is a correlation: out[y,x] = sum over i,j of k[i,j] * in[y+i-r, x+j-r] with
    /// r = Size/2. For symmetric kernels (Gaussian, box, identity) it equals the convolution.
    /// </remarks>
    Tensor Apply(Tensor images);
}
