namespace Denoising.Flow.Imaging;

/// <summary>Bits per channel of a PNG written by <see cref="ImageIO.WritePng(TorchSharp.torch.Tensor, string, PngBitDepth)"/>.</summary>
public enum PngBitDepth
{
    /// <summary>8 bits per channel: a value v in [0, 1] is stored as round(255 v).</summary>
    Bit8 = 8,

    /// <summary>16 bits per channel: a value v in [0, 1] is stored as round(65535 v).</summary>
    Bit16 = 16,
}
