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

    /// <summary>Reads PhotometricInterpretation (262), BitsPerSample (258) and ExtraSamples (338) from the first IFD of a classic TIFF.</summary>
    private static SourceLayout TiffLayout(byte[] data)
    {
        var fallback = new SourceLayout(false, false, 8);
        if (data.Length < 8 || data[0] != data[1] || (data[0] != (byte)'I' && data[0] != (byte)'M'))
        {
            return fallback;
        }

        bool little = data[0] == (byte)'I';
        ushort U16(int at) => little ? BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(at)) : BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(at));
        uint U32(int at) => little ? BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(at)) : BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(at));
        if (U16(2) != 42)
        {
            return fallback; // BigTIFF or damaged: let the decoder decide, read as color.
        }

        long ifd = U32(4);
        if (ifd + 2 > data.Length)
        {
            return fallback;
        }

        int count = U16((int)ifd);
        bool gray = false, alpha = false;
        int bits = 8;
        for (int i = 0; i < count; i++)
        {
            int entry = (int)ifd + 2 + (12 * i);
            if (entry + 12 > data.Length)
            {
                break;
            }

            ushort tag = U16(entry);
            uint n = U32(entry + 4);
            if (tag == 262)
            {
                gray = U16(entry + 8) is 0 or 1;
            }
            else if (tag == 258)
            {
                long at = n <= 2 ? entry + 8 : U32(entry + 8);
                bits = at + 2 <= data.Length && U16((int)at) > 8 ? 16 : 8;
            }
            else if (tag == 338)
            {
                alpha = true;
            }
        }

        return new SourceLayout(gray, alpha, bits);
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
