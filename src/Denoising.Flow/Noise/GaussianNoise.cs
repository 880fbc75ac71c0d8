using Denoising.Flow.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Noise;

/// <summary>
/// Synthetic additive white Gaussian noise (AWGN) for [0,1] images, with a fixed noise level or a level drawn
/// per image uniformly from a range. Levels are given on the 0..255 scale and applied as sigma/255.
/// Immutable and thread-safe; randomness comes only from the seed or generator passed to
/// <see cref="Apply(Tensor, long)"/>, never from torch's global generator.
/// </summary>
/// <remarks>
/// Random numbers are drawn on the generator's device (CPU for the seed overload) in the input's dtype, then moved
/// to the input's device, so a seed gives the same noise whatever the input's device. Bit-identical repetition is
/// promised on CPU. Draw order: the per-image levels (range mode only, float64), then the noise.
/// </remarks>
public sealed class GaussianNoise
{
    private GaussianNoise(double min, double max, bool isRange, bool clip)
    {
        MinSigma255 = min;
        MaxSigma255 = max;
        IsRange = isRange;
        Clip = clip;
    }

    /// <summary>The smallest noise level (0..255 scale); equals <see cref="MaxSigma255"/> in fixed mode.</summary>
    public double MinSigma255 { get; }

    /// <summary>The largest noise level (0..255 scale); equals <see cref="MinSigma255"/> in fixed mode.</summary>
    public double MaxSigma255 { get; }

    /// <summary>True when each image gets its own level drawn uniformly from [min, max).</summary>
    public bool IsRange { get; }

    /// <summary>
    /// When true the noisy images are clamped to [0,1] and quantised to 8 bits (multiples of 1/255), like a saved
    /// 8-bit image; when false (default) they are unclipped float AWGN.
    /// </summary>
    public bool Clip { get; }

    /// <summary>Noise with one level for every image.</summary>
    /// <param name="sigma255">Standard deviation on the 0..255 scale; finite and &gt;= 0.</param>
    /// <param name="clip">Clamp to [0,1] and quantise to 8 bits; default false.</param>
    /// <returns>The noise definition.</returns>
    /// <exception cref="ArgumentException">sigma255 is negative or not finite.</exception>
    public static GaussianNoise Fixed(double sigma255, bool clip = false)
    {
        CheckSigma(sigma255, nameof(sigma255));
        return new GaussianNoise(sigma255, sigma255, isRange: false, clip);
    }

    /// <summary>Noise whose level is drawn per image uniformly from [min, max).</summary>
    /// <param name="minSigma255">Smallest level on the 0..255 scale; finite and &gt;= 0.</param>
    /// <param name="maxSigma255">Largest level on the 0..255 scale; finite and &gt;= minSigma255.</param>
    /// <param name="clip">Clamp to [0,1] and quantise to 8 bits; default false.</param>
    /// <returns>The noise definition.</returns>
    /// <exception cref="ArgumentException">A level is negative or not finite, or max &lt; min.</exception>
    public static GaussianNoise Range(double minSigma255, double maxSigma255, bool clip = false)
    {
        CheckSigma(minSigma255, nameof(minSigma255));
        CheckSigma(maxSigma255, nameof(maxSigma255));
        if (maxSigma255 < minSigma255)
        {
            throw new ArgumentException(
                FormattableString.Invariant(
                    $"maxSigma255 ({maxSigma255}) must be >= minSigma255 ({minSigma255})."),
                nameof(maxSigma255));
        }

        return new GaussianNoise(minSigma255, maxSigma255, isRange: true, clip);
    }

    /// <summary>Adds noise using a fresh CPU generator seeded with <paramref name="seed"/>.</summary>
    /// <param name="images">Clean floating-point image [C,H,W] or batch [B,C,H,W] in [0,1]; not modified or disposed.</param>
    /// <param name="seed">The seed; the same seed and input give bit-identical results on CPU.</param>
    /// <returns>The noisy images and the level used per image.</returns>
    /// <exception cref="ArgumentException">The tensor is not a floating-point [C,H,W] or [B,C,H,W] tensor.</exception>
    public NoisyBatch Apply(Tensor images, long seed)
    {
        using var generator = new torch.Generator(unchecked((ulong)seed));
        return Apply(images, generator);
    }

    /// <summary>Adds noise drawing from <paramref name="generator"/> (whose state advances).</summary>
    /// <param name="images">Clean floating-point image [C,H,W] or batch [B,C,H,W] in [0,1]; not modified or disposed.</param>
    /// <param name="generator">The random generator; numbers are drawn on its device.</param>
    /// <returns>The noisy images and the level used per image.</returns>
    /// <exception cref="ArgumentException">The tensor is not a floating-point [C,H,W] or [B,C,H,W] tensor.</exception>
    public NoisyBatch Apply(Tensor images, torch.Generator generator)
    {
        ImageTensorGuard.ImageOrBatch(images, nameof(images));
        ArgumentNullException.ThrowIfNull(generator);
        using var scope = torch.NewDisposeScope();
        bool single = images.dim() == 3;
        long count = single ? 1 : images.shape[0];
        var sigmas = DrawSigmas(count, generator);

        var noise = torch.randn(images.shape, images.dtype, generator.device, generator: generator)
            .to(images.device);
        var scale = torch.tensor(sigmas.Select(s => s / 255.0).ToArray(), ScalarType.Float64)
            .to(images.dtype, images.device);
        scale = single ? scale.reshape(1, 1, 1) : scale.reshape(count, 1, 1, 1);
        var noisy = images + noise * scale;
        if (Clip)
        {
            noisy = noisy.clamp(0.0, 1.0).mul(255.0).round().div(255.0);
        }

        return new NoisyBatch(noisy.MoveToOuterDisposeScope(), sigmas);
    }

    /// <inheritdoc />
    public override string ToString() => IsRange
        ? FormattableString.Invariant($"GaussianNoise(sigma255 in [{MinSigma255}, {MaxSigma255}), clip={Clip})")
        : FormattableString.Invariant($"GaussianNoise(sigma255={MinSigma255}, clip={Clip})");

    private double[] DrawSigmas(long count, torch.Generator generator)
    {
        if (!IsRange)
        {
            return Enumerable.Repeat(MinSigma255, checked((int)count)).ToArray();
        }

        using var u = torch.rand(new[] { count }, ScalarType.Float64, generator.device, generator: generator);
        using var cpu = u.cpu();
        return cpu.data<double>().Select(v => MinSigma255 + (MaxSigma255 - MinSigma255) * v).ToArray();
    }

    private static void CheckSigma(double sigma, string paramName)
    {
        if (!double.IsFinite(sigma) || sigma < 0)
        {
            throw new ArgumentException(
                FormattableString.Invariant($"Noise level must be finite and >= 0 (got {sigma})."), paramName);
        }
    }
}
