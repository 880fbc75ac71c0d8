using Denoising.Flow.Internal;
using static TorchSharp.torch;

namespace Denoising.Flow.Blur;

/// <summary>
/// The identity "blur" (a single tap of 1): with it the training loss compares D(N) with N directly.
/// Use the shared instance <see cref="BlurKernels.Identity"/>. Immutable and thread-safe.
/// </summary>
internal sealed class IdentityBlurKernel : IBlurKernel
{
    /// <summary>The descriptor name of the identity kernel.</summary>
    public const string KernelName = "identity";

    /// <summary>Use <see cref="BlurKernels.Identity"/>.</summary>
    internal IdentityBlurKernel()
    {
    }

    /// <inheritdoc />
    public string Name => KernelName;

    /// <inheritdoc />
    public int Size => 1;

    /// <inheritdoc />
    public double SumOfSquaredTaps => 1.0;

    /// <inheritdoc />
    public double[,] GetTaps() => new double[,] { { 1.0 } };

    /// <summary>
    /// Returns <c>images.alias()</c>: a new reference to the same tensor (same storage and autograd node), which
    /// the caller may dispose independently of the input. No copy is made: writing into the result in place
    /// writes into the input.
    /// </summary>
    /// <param name="images">A floating-point image [C,H,W] or batch [B,C,H,W].</param>
    /// <returns>An alias of <paramref name="images"/>.</returns>
    /// <exception cref="ArgumentException">The tensor is not a floating-point [C,H,W] or [B,C,H,W] tensor.</exception>
    public Tensor Apply(Tensor images)
    {
        ImageTensorGuard.ImageOrBatch(images, nameof(images));
        return images.alias();
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
