using static TorchSharp.torch;

namespace Denoising.Flow.Blur;

/// <summary>
/// A blur kernel with caller-given taps (square, odd-sized, finite, summing to 1 within 1e-6). The taps are
/// copied, so the kernel is immutable and thread-safe.
/// </summary>
internal sealed class CustomBlurKernel : IBlurKernel
{
    /// <summary>The default descriptor name.</summary>
    public const string DefaultName = "custom";

    private readonly KernelTaps taps;

    /// <summary>Creates a kernel from taps.</summary>
    /// <param name="taps">Square, odd-sized, finite taps summing to 1 within 1e-6; copied.</param>
    /// <param name="name">
    /// Descriptor name, default <c>custom</c>. It may not be a built-in descriptor (<c>identity</c>,
    /// <c>gaussian(...)</c>, <c>box(...)</c>), so that <see cref="BlurKernels.FromDescriptor"/> stays unambiguous.
    /// </param>
    /// <exception cref="ArgumentException">The taps or the name are invalid; the message gives the actual sum.</exception>
    public CustomBlurKernel(double[,] taps, string name = DefaultName)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("Blur kernel name must not be empty.", nameof(name));
        }

        if (BlurKernelDescriptor.IsBuiltIn(name))
        {
            throw new ArgumentException(
                $"'{name}' is a built-in kernel descriptor; use BlurKernels.FromDescriptor for it.", nameof(name));
        }

        this.taps = KernelTaps.From(taps, nameof(taps));
        Name = name;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public int Size => taps.Size;

    /// <inheritdoc />
    public double SumOfSquaredTaps => taps.SumOfSquares;

    /// <inheritdoc />
    public double[,] GetTaps() => taps.ToArray();

    /// <inheritdoc />
    public Tensor Apply(Tensor images) => taps.Apply(images, nameof(images));

    /// <inheritdoc />
    public override string ToString() => Name;
}
