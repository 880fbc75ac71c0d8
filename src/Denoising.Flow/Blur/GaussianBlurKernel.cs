using System.Globalization;
using static TorchSharp.torch;

namespace Denoising.Flow.Blur;

/// <summary>
/// An isotropic Gaussian blur: k[i,j] proportional to exp(-((i-r)^2 + (j-r)^2) / (2 sigma^2)), normalised
/// to sum 1 over the Size x Size grid (as MATLAB's fspecial('gaussian')). Immutable and thread-safe.
/// </summary>
public sealed class GaussianBlurKernel : IBlurKernel
{
    private readonly KernelTaps taps;

    /// <summary>Creates a Gaussian kernel.</summary>
    /// <param name="sigma">Standard deviation in pixels; finite and &gt; 0.</param>
    /// <param name="size">Odd side length; default 2*ceil(3*sigma)+1.</param>
    /// <exception cref="ArgumentException">sigma is not finite and positive, or size is not odd and positive.</exception>
    public GaussianBlurKernel(double sigma, int? size = null)
    {
        if (!double.IsFinite(sigma) || sigma <= 0)
        {
            throw new ArgumentException(
                FormattableString.Invariant($"Gaussian sigma must be finite and > 0 (got {sigma})."), nameof(sigma));
        }

        double defaultSize = 2 * Math.Ceiling(3 * sigma) + 1;
        if (size is null && defaultSize > KernelTaps.MaxSize)
        {
            throw new ArgumentException(
                FormattableString.Invariant(
                    $"Gaussian sigma {sigma} gives a default size {defaultSize} above the maximum {KernelTaps.MaxSize}."),
                nameof(sigma));
        }

        int n = size ?? (int)defaultSize;
        if (n < 1 || n % 2 == 0 || n > KernelTaps.MaxSize)
        {
            throw new ArgumentException(
                $"Gaussian kernel size must be odd, between 1 and {KernelTaps.MaxSize} (got {n}).", nameof(size));
        }

        Sigma = sigma;
        taps = KernelTaps.From(ClosedForm(sigma, n), nameof(sigma));
        Name = string.Create(
            CultureInfo.InvariantCulture, $"gaussian(sigma={sigma.ToString("R", CultureInfo.InvariantCulture)},size={n})");
    }

    /// <summary>The standard deviation in pixels.</summary>
    public double Sigma { get; }

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

    private static double[,] ClosedForm(double sigma, int size)
    {
        int r = size / 2;
        var taps = new double[size, size];
        double sum = 0;
        for (int i = 0; i < size; i++)
        {
            for (int j = 0; j < size; j++)
            {
                double dy = i - r, dx = j - r;
                taps[i, j] = Math.Exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
                sum += taps[i, j];
            }
        }

        for (int i = 0; i < size; i++)
        {
            for (int j = 0; j < size; j++)
            {
                taps[i, j] /= sum;
            }
        }

        return taps;
    }
}
