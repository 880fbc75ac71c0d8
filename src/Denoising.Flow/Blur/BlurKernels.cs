using Denoising.Flow.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Blur;

/// <summary>The one place to obtain blur kernels: shared instances, factories and rebuilding from a descriptor.</summary>
public static class BlurKernels
{
    /// <summary>The identity kernel (no blur); a shared instance.</summary>
    public static IBlurKernel Identity { get; } = new IdentityBlurKernel();

    /// <summary>A Gaussian kernel; see <see cref="GaussianBlurKernel(double, int?)"/>.</summary>
    /// <param name="sigma">Standard deviation in pixels; finite and &gt; 0.</param>
    /// <param name="size">Odd side length; default 2*ceil(3*sigma)+1.</param>
    /// <returns>A new kernel.</returns>
    public static GaussianBlurKernel Gaussian(double sigma, int? size = null) => new(sigma, size);

    /// <summary>A box kernel; see <see cref="BoxBlurKernel(int)"/>.</summary>
    /// <param name="size">Odd side length, at least 1.</param>
    /// <returns>A new kernel.</returns>
    public static BoxBlurKernel Box(int size) => new(size);

    /// <summary>A kernel from explicit taps; see <see cref="CustomBlurKernel(double[,], string)"/>.</summary>
    /// <param name="taps">Square, odd-sized, finite taps summing to 1 within 1e-6; copied.</param>
    /// <returns>A new kernel named <c>custom</c>.</returns>
    public static IBlurKernel FromTaps(double[,] taps) => new CustomBlurKernel(taps);

    /// <summary>A kernel from a [k,k] tensor of taps (any floating dtype, any device; read, not disposed).</summary>
    /// <param name="taps">A square, odd-sized [k,k] tensor of finite taps summing to 1 within 1e-6.</param>
    /// <returns>A new kernel named <c>custom</c>.</returns>
    /// <exception cref="ArgumentException">The tensor is not [k,k] or the taps are invalid.</exception>
    public static IBlurKernel FromTaps(Tensor taps)
    {
        ArgumentNullException.ThrowIfNull(taps);
        if (taps.dim() != 2)
        {
            throw new ArgumentException(
                $"Blur kernel taps must be a 2-D [k,k] tensor (got shape {Shapes.Of(taps)}).",
                nameof(taps));
        }

        int rows = checked((int)taps.shape[0]), cols = checked((int)taps.shape[1]);
        double[] flat;
        using (var cpu = taps.detach().to(ScalarType.Float64, torch.CPU).contiguous())
        {
            flat = cpu.data<double>().ToArray();
        }

        var array = new double[rows, cols];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                array[i, j] = flat[i * cols + j];
            }
        }

        return new CustomBlurKernel(array);
    }

    /// <summary>
    /// Rebuilds a kernel from its <see cref="IBlurKernel.Name"/> and <see cref="IBlurKernel.GetTaps"/>, e.g. when
    /// loading a saved denoiser. Built-in descriptors (<c>identity</c>, <c>gaussian(sigma=..,size=..)</c>,
    /// <c>box(size=..)</c>) give back the built-in type, after checking that the stored taps match it within 1e-9;
    /// any other name gives a <see cref="CustomBlurKernel"/> with that name.
    /// </summary>
    /// <param name="name">The stored <see cref="IBlurKernel.Name"/>.</param>
    /// <param name="taps">The stored taps.</param>
    /// <returns>A kernel with the same name and taps.</returns>
    /// <exception cref="ArgumentException">
    /// The taps are invalid, a built-in descriptor is malformed, or the taps do not match it.
    /// </exception>
    public static IBlurKernel FromDescriptor(string name, double[,] taps) => BlurKernelDescriptor.Rebuild(name, taps);
}
