using System.Globalization;
using static TorchSharp.torch;

namespace Denoising.Flow.Blur;

/// <summary>A uniform (box) blur: every tap is 1/(Size*Size). Immutable and thread-safe.</summary>
public sealed class BoxBlurKernel : IBlurKernel
{
    private readonly KernelTaps taps;

    /// <summary>Creates a box kernel.</summary>
    /// <param name="size">Odd side length, at least 1.</param>
    /// <exception cref="ArgumentException">size is not odd and positive.</exception>
    public BoxBlurKernel(int size)
    {
        if (size < 1 || size % 2 == 0 || size > KernelTaps.MaxSize)
        {
            throw new ArgumentException(
                $"Box kernel size must be odd, between 1 and {KernelTaps.MaxSize} (got {size}).", nameof(size));
        }

        var taps = new double[size, size];
        double tap = 1.0 / ((double)size * size);
        for (int i = 0; i < size; i++)
        {
            for (int j = 0; j < size; j++)
            {
                taps[i, j] = tap;
            }
        }

        this.taps = KernelTaps.From(taps, nameof(size));
        Name = string.Create(CultureInfo.InvariantCulture, $"box(size={size})");
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
