using static TorchSharp.torch;

namespace Denoising.Flow.Noise;

/// <summary>
/// The result of <see cref="GaussianNoise.Apply(Tensor, long)"/>: the noisy images and the noise level used for
/// each image. Owns <see cref="Noisy"/>: disposing this object disposes it.
/// </summary>
public sealed class NoisyBatch : IDisposable
{
    internal NoisyBatch(Tensor noisy, double[] sigmas255)
    {
        Noisy = noisy;
        Sigmas255 = Array.AsReadOnly(sigmas255);
    }

    /// <summary>The noisy images: same shape, dtype and device as the clean input.</summary>
    public Tensor Noisy { get; }

    /// <summary>
    /// The noise standard deviation applied to each image, on the 0..255 scale (one entry for a [C,H,W] image,
    /// B entries for a [B,C,H,W] batch). With clipping the effective noise is slightly smaller near 0 and 1.
    /// </summary>
    public IReadOnlyList<double> Sigmas255 { get; }

    /// <summary>Disposes <see cref="Noisy"/>.</summary>
    public void Dispose() => Noisy.Dispose();
}
