using System.Buffers.Binary;

namespace Denoising.Flow.Imaging;

/// <summary>
/// Container-level checks that a file is complete. Several ImageSharp 2.x decoders silently decode a cut file
/// (JPEG, WebP, BMP, GIF, PNG without IEND), so reads check the container before decoding.
/// </summary>
internal static class TruncationCheck
{
    public static bool IsTruncated(string format, byte[] data) => format switch
    {
        "PNG" => !HasPngEnd(data),
        "JPEG" => JpegIsTruncated(data),
        "GIF" => GifIsTruncated(data),
        "WEBP" => data.Length < 12 || data.Length < 8L + BinaryPrimitives.ReadUInt32LittleEndian(data[4..]),
        "BMP" => data.Length < 6 || data.Length < BinaryPrimitives.ReadUInt32LittleEndian(data[2..]),
        "TGA" => TgaIsTruncated(data),
        "TIFF" => TiffHeader.TryParse(data) is { } tiff && tiff.DataEnd > data.Length,
        _ => false,
    };

    /// <summary>An IEND chunk with its CRC near the end of the file.</summary>
    private static bool HasPngEnd(ReadOnlySpan<byte> data)
    {
        var tail = data[Math.Max(0, data.Length - 4096)..];
        int at = tail.LastIndexOf("IEND"u8);
        return at >= 4 && at + 8 <= tail.Length;
    }

    /// <summary>Walks the marker segments and entropy-coded scans; true when the data ends before EOI.</summary>
    private static bool JpegIsTruncated(ReadOnlySpan<byte> data)
    {
        int pos = 2;
        while (true)
        {
            if (pos >= data.Length)
            {
                return true;
            }

            if (data[pos] != 0xFF)
            {
                return false; // Not a marker: corrupt rather than cut; the decoder reports it.
            }

            while (pos < data.Length && data[pos] == 0xFF)
            {
                pos++;
            }

            if (pos >= data.Length)
            {
                return true;
            }

            byte marker = data[pos++];
            if (marker == 0xD9)
            {
                return false;
            }

            if (marker is 0x01 or (>= 0xD0 and <= 0xD8))
            {
                continue;
            }

            if (pos + 2 > data.Length)
            {
                return true;
            }

            int length = (data[pos] << 8) | data[pos + 1];
            pos += length;
            if (pos > data.Length)
            {
                return true;
            }

            if (marker == 0xDA && !SkipEntropyCodedData(data, ref pos))
            {
                return true;
            }
        }
    }

    /// <summary>Moves <paramref name="pos"/> to the next marker after a scan; false when the data ends first.</summary>
    private static bool SkipEntropyCodedData(ReadOnlySpan<byte> data, ref int pos)
    {
        while (true)
        {
            int ff = data[pos..].IndexOf((byte)0xFF);
            if (ff < 0 || pos + ff + 1 >= data.Length)
            {
                return false;
            }

            pos += ff;
            byte next = data[pos + 1];
            if (next == 0x00 || next is >= 0xD0 and <= 0xD7)
            {
                pos += 2;
            }
            else if (next == 0xFF)
            {
                pos++;
            }
            else
            {
                return true;
            }
        }
    }

    /// <summary>Walks the GIF blocks; true when the data ends before the trailer.</summary>
    private static bool GifIsTruncated(ReadOnlySpan<byte> data)
    {
        if (data.Length < 13)
        {
            return true;
        }

        int pos = 13 + GifColorTableSize(data[10]);
        while (pos < data.Length)
        {
            switch (data[pos++])
            {
                case 0x3B:
                    return false;
                case 0x21:
                    pos++;
                    break;
                case 0x2C:
                    if (pos + 9 > data.Length)
                    {
                        return true;
                    }

                    pos += 9 + GifColorTableSize(data[pos + 8]) + 1;
                    break;
                default:
                    return false; // Corrupt rather than cut; the decoder reports it.
            }

            while (true)
            {
                if (pos >= data.Length)
                {
                    return true;
                }

                int size = data[pos++];
                if (size == 0)
                {
                    break;
                }

                pos += size;
            }
        }

        return true;
    }

    /// <summary>Bytes of a GIF color table from the packed field of the screen or image descriptor (0 when absent).</summary>
    internal static int GifColorTableSize(byte packed) => (packed & 0x80) != 0 ? 3 << ((packed & 7) + 1) : 0;

    /// <summary>TGA, uncompressed (types 1 to 3) or run-length encoded (9 to 11): the file must hold every pixel.</summary>
    private static bool TgaIsTruncated(ReadOnlySpan<byte> data)
    {
        if (data.Length < 18)
        {
            return true;
        }

        long colorMap = data[1] == 0 ? 0 : BinaryPrimitives.ReadUInt16LittleEndian(data[5..]) * (long)((data[7] + 7) / 8);
        long pixels = (long)BinaryPrimitives.ReadUInt16LittleEndian(data[12..]) * BinaryPrimitives.ReadUInt16LittleEndian(data[14..]);
        int pixelSize = (data[16] + 7) / 8;
        long pos = 18 + data[0] + colorMap;
        if (data[2] is 1 or 2 or 3)
        {
            return data.Length < pos + (pixels * pixelSize);
        }

        if (data[2] is not (9 or 10 or 11))
        {
            return false;
        }

        while (pixels > 0)
        {
            if (pos >= data.Length)
            {
                return true;
            }

            byte packet = data[(int)pos++];
            int run = (packet & 0x7F) + 1;
            pos += (packet & 0x80) != 0 ? pixelSize : (long)run * pixelSize;
            pixels -= run;
        }

        return pos > data.Length;
    }
}
