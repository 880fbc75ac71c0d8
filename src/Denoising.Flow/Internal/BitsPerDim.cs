using static TorchSharp.torch;

namespace Denoising.Flow.Internal;

/// <summary>
/// Bits per dimension for 8-bit data from a negative log-likelihood in nats per dimension on [0, 1]:
/// (nll + ln 256) / ln 2. The one place this formula lives.
/// </summary>
internal static class BitsPerDim
{
    private static readonly double Ln256 = Math.Log(256);
    private static readonly double Ln2 = Math.Log(2);

    public static double FromNats(double nllPerDim) => (nllPerDim + Ln256) / Ln2;

    public static Tensor FromNats(Tensor nllPerDim) => (nllPerDim + Ln256) / Ln2;
}
