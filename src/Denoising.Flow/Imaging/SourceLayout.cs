using System.Buffers.Binary;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;

namespace Denoising.Flow.Imaging;

/// <summary>Channel layout read from a file's header (see <see cref="ImageColorMode.Auto"/> for the rules).</summary>
internal readonly record struct SourceLayout(bool IsGray, bool HasAlpha, int BitsPerChannel)
{
    public static SourceLayout Of(IImageFormat format, IImageInfo info, byte[] data)
    {
        switch (format.Name.ToUpperInvariant())
        {
            case "PNG":
                var png = info.Metadata.GetPngMetadata();
                return new SourceLayout(
                    png.ColorType is PngColorType.Grayscale or PngColorType.GrayscaleWithAlpha,
                    png.ColorType is PngColorType.GrayscaleWithAlpha or PngColorType.RgbWithAlpha,
                    png.BitDepth == SixLabors.ImageSharp.Formats.Png.PngBitDepth.Bit16 ? 16 : 8);
            case "JPEG":
                return new SourceLayout(info.Metadata.GetJpegMetadata().ColorType == JpegColorType.Luminance, false, 8);
            case "TGA":
                return new SourceLayout(data.Length > 2 && data[2] is 3 or 11, info.Metadata.GetTgaMetadata().AlphaChannelBits > 0, 8);
            case "TIFF":
                return TiffLayout(data);
            case "WEBP":
                return new SourceLayout(false, WebpHasAlpha(data), 8);
            default:
                return new SourceLayout(false, false, 8);
        }
    }

    private static SourceLayout TiffLayout(byte[] data)
    {
        // Unparsable headers (BigTIFF, damage) read as 8-bit color; the decoder has the last word.
        var tiff = TiffHeader.TryParse(data);
        return tiff is null
            ? new SourceLayout(false, false, 8)
            : new SourceLayout(tiff.Photometric is 0 or 1, tiff.HasExtraSamples, tiff.BitsPerSample > 8 ? 16 : 8);
    }

    /// <summary>The alpha flag of a VP8X header, or the alpha_is_used bit of a lossless VP8L header.</summary>
    private static bool WebpHasAlpha(ReadOnlySpan<byte> data)
    {
        if (data.Length < 25)
        {
            return false;
        }

        var chunk = data.Slice(12, 4);
        if (chunk.SequenceEqual("VP8X"u8))
        {
            return (data[20] & 0x10) != 0;
        }

        return chunk.SequenceEqual("VP8L"u8) && data[20] == 0x2F && ((BinaryPrimitives.ReadUInt32LittleEndian(data[21..]) >> 28) & 1) != 0;
    }
}
