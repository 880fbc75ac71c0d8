using static TorchSharp.torch;

namespace Denoising.Flow.Imaging;

/// <summary>
/// An orthonormal opponent colour space (luminance and two chrominance axes, the decorrelating transform of CBM3D), scaled by
/// 1/sqrt(3) and offset so that every channel of an image in [0, 1] stays in [0, 1]:
/// <c>L = (R + G + B) / 3</c>, <c>C1 = (R - B) / sqrt(6) + 1/2</c>, <c>C2 = (R - 2G + B) / (3 sqrt(2)) + 1/2</c>.
/// Because the rows are orthogonal with one common scale, white noise of level sigma in every RGB channel becomes white noise
/// of level <c>sigma / sqrt(3)</c> in every opponent channel, independent between channels; image structure goes mostly to L
/// and the chrominance channels are smooth. A grayscale denoiser sees three easier images there than in R, G and B.
/// </summary>
internal static class OpponentColor
{
    /// <summary>The factor by which the transform scales a white noise level.</summary>
    public static readonly double NoiseScale = 1 / Math.Sqrt(3);

    private static readonly double Sqrt6 = Math.Sqrt(6), Sqrt2 = Math.Sqrt(2);

    /// <summary>RGB [B, 3, H, W] to the opponent channels [B, 3, H, W].</summary>
    public static Tensor FromRgb(Tensor rgb)
    {
        using var scope = NewDisposeScope();
        var (r, g, b) = Channels(rgb);
        var luminance = (r + g + b) / 3;
        var redBlue = ((r - b) / Sqrt6) + 0.5;
        var greenMagenta = ((r - (2 * g) + b) / (3 * Sqrt2)) + 0.5;
        return stack(new[] { luminance, redBlue, greenMagenta }, 1).MoveToOuterDisposeScope();
    }

    /// <summary>The opponent channels [B, 3, H, W] back to RGB [B, 3, H, W]: the exact inverse of <see cref="FromRgb"/>.</summary>
    public static Tensor ToRgb(Tensor opponent)
    {
        using var scope = NewDisposeScope();
        var (luminance, redBlue, greenMagenta) = Channels(opponent);
        var c1 = (redBlue - 0.5) * (Sqrt6 / 2);           // (R - B) / 2
        var c2 = (greenMagenta - 0.5) * (Sqrt2 / 2);      // (R - 2G + B) / 6
        var r = luminance + c1 + c2;
        var g = luminance - (2 * c2);
        var b = luminance - c1 + c2;
        return stack(new[] { r, g, b }, 1).MoveToOuterDisposeScope();
    }

    private static (Tensor, Tensor, Tensor) Channels(Tensor batch)
    {
        if (batch.dim() != 4 || batch.shape[1] != 3)
            throw new ArgumentException($"Expected a batch of 3-channel images [B, 3, H, W], got shape {Internal.Shapes.Of(batch)}.", nameof(batch));
        return (batch.select(1, 0), batch.select(1, 1), batch.select(1, 2));
    }
}
