using Denoising.Flow.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Blur;

/// <summary>
/// The validated, immutable taps of a blur kernel and the depthwise convolution that applies them;
/// shared by every <see cref="IBlurKernel"/> implementation.
/// </summary>
internal sealed class KernelTaps
{
    /// <summary>Largest accepted kernel side.</summary>
    internal const int MaxSize = 4095;

    /// <summary>Allowed deviation of the tap sum from 1.</summary>
    internal const double SumTolerance = 1e-6;

    private readonly double[] flat;

    /// <summary>The taps as a [1, 1, k, k] tensor, built once per device and dtype (blur runs on every training step).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(DeviceType, int, ScalarType), Tensor> tensors = new();

    private KernelTaps(double[] flat, int size)
    {
        this.flat = flat;
        Size = size;
        double sumSq = 0;
        foreach (var t in flat)
        {
            sumSq += t * t;
        }

        SumOfSquares = sumSq;
    }

    /// <summary>The side length.</summary>
    public int Size { get; }

    /// <summary>sum(k^2).</summary>
    public double SumOfSquares { get; }

    /// <summary>Validates and copies <paramref name="taps"/>: square, odd, finite, sum 1 within 1e-6.</summary>
    public static KernelTaps From(double[,] taps, string paramName)
    {
        ArgumentNullException.ThrowIfNull(taps, paramName);
        int rows = taps.GetLength(0), cols = taps.GetLength(1);
        if (rows != cols)
        {
            throw new ArgumentException($"Blur kernel taps must be square (got {rows}x{cols}).", paramName);
        }

        if (rows % 2 == 0)
        {
            throw new ArgumentException($"Blur kernel size must be odd (got {rows}).", paramName);
        }

        if (rows > MaxSize)
        {
            throw new ArgumentException($"Blur kernel size must be at most {MaxSize} (got {rows}).", paramName);
        }

        var flat = new double[rows * cols];
        double sum = 0;
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                double t = taps[i, j];
                if (!double.IsFinite(t))
                {
                    throw new ArgumentException($"Blur kernel taps must be finite (tap [{i},{j}] is {t}).", paramName);
                }

                flat[i * cols + j] = t;
                sum += t;
            }
        }

        if (Math.Abs(sum - 1.0) > SumTolerance)
        {
            throw new ArgumentException(
                FormattableString.Invariant($"Blur kernel taps must sum to 1 (got {sum:F6})."), paramName);
        }

        return new KernelTaps(flat, rows);
    }

    /// <summary>A copy of the taps.</summary>
    public double[,] ToArray()
    {
        var result = new double[Size, Size];
        for (int i = 0; i < Size; i++)
        {
            for (int j = 0; j < Size; j++)
            {
                result[i, j] = flat[i * Size + j];
            }
        }

        return result;
    }

    /// <summary>True when every tap equals the other's within <paramref name="tolerance"/>.</summary>
    public bool Matches(KernelTaps other, double tolerance)
    {
        if (other.Size != Size)
        {
            return false;
        }

        for (int i = 0; i < flat.Length; i++)
        {
            if (Math.Abs(flat[i] - other.flat[i]) > tolerance)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Depthwise convolution with reflect padding; see <see cref="IBlurKernel.Apply"/>.</summary>
    public Tensor Apply(Tensor images, string paramName)
    {
        ImageTensorGuard.ImageOrBatch(images, paramName);
        int radius = Size / 2;
        long h = images.shape[^2], w = images.shape[^1];
        if (radius >= h || radius >= w)
        {
            throw new ArgumentException(
                $"Image of size {h}x{w} (HxW) is too small for a {Size}x{Size} blur kernel: reflect padding needs " +
                $"H and W larger than the kernel radius {radius}.",
                paramName);
        }

        using var scope = torch.NewDisposeScope();
        bool single = images.dim() == 3;
        var batch = single ? images.unsqueeze(0) : images;
        var weight = tensors.GetOrAdd((images.device_type, images.device_index, images.dtype), key =>
        {
            var built = torch.tensor(flat, new long[] { 1, 1, Size, Size }, ScalarType.Float64).to(images.dtype, images.device);
            built.DetachFromDisposeScope();
            return built;
        });
        var padded = radius == 0
            ? batch
            : torch.nn.functional.pad(batch, (radius, radius, radius, radius), PaddingModes.Reflect);
        var blurred = SafeConvolution.Depthwise(padded, weight);
        var result = single ? blurred.squeeze(0) : blurred;
        return result.MoveToOuterDisposeScope();
    }
}
