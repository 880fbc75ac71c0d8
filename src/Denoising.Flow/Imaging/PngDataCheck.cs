using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace Denoising.Flow.Imaging;

/// <summary>
/// Checks a PNG's compressed pixel data before it is decoded: the IDAT chunks must inflate (zlib) to at least the
/// number of bytes the header's size, color type, bit depth and interlacing need.
/// </summary>
/// <remarks>
/// ImageSharp 2.1.13 fills missing rows of a short non-interlaced image with black without a word, and its
/// interlaced (Adam7) decoder loops forever when the data ends early. Both are refused here, before decoding.
/// The check inflates into a small reused buffer (no image-sized allocation) and stops once the needed length is
/// reached, so its cost is one pass of zlib over at most the data the decoder reads anyway.
/// </remarks>
internal static class PngDataCheck
{
    private static readonly (int X0, int Y0, int DX, int DY)[] Adam7Passes =
        [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

    /// <summary>Why the PNG's pixel data cannot be decoded whole, or null when it can (or the file is not PNG-shaped).</summary>
    public static string? Problem(ReadOnlySpan<byte> data)
    {
        if (data.Length < 33 || !data[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return null; // Not for this check: Identify already matched the format; the decoder reports the rest.
        }

        var header = data.Slice(16, 13);
        if (!data.Slice(12, 4).SequenceEqual("IHDR"u8))
        {
            return "its first chunk is not IHDR";
        }

        long width = BinaryPrimitives.ReadUInt32BigEndian(header);
        long height = BinaryPrimitives.ReadUInt32BigEndian(header[4..]);
        int bitDepth = header[8], colorType = header[9], interlace = header[12];
        int samples = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 0 };
        if (samples == 0 || bitDepth is not (1 or 2 or 4 or 8 or 16) || interlace > 1)
        {
            return $"its header is invalid (color type {colorType}, bit depth {bitDepth}, interlace method {interlace})";
        }

        long needed = interlace == 0
            ? RowsBytes(width, height, samples * bitDepth)
            : Adam7Passes.Sum(p => RowsBytes(PassSize(width, p.X0, p.DX), PassSize(height, p.Y0, p.DY), samples * bitDepth));

        byte[]? compressed = CollectIdat(data, out string? chunkProblem);
        if (chunkProblem is not null)
        {
            return chunkProblem;
        }

        long inflated;
        try
        {
            inflated = InflatedLength(compressed!, needed);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            // zlib's own errors: damaged data, or a stream asking for a preset dictionary (ZLibException, an IOException).
            return $"its compressed pixel data is damaged ({ex.Message})";
        }

        return inflated < needed
            ? $"its pixel data is truncated or damaged: the compressed data holds {inflated} of the {needed} bytes the image needs"
            : null;
    }

    private static long PassSize(long size, int start, int step) => size > start ? (size - start + step - 1) / step : 0;

    /// <summary>Filtered scanlines: one filter byte and ceil(width x bits / 8) bytes per row; nothing for an empty pass.</summary>
    private static long RowsBytes(long width, long height, int bitsPerPixel) =>
        width == 0 || height == 0 ? 0 : height * (1 + (((width * bitsPerPixel) + 7) / 8));

    /// <summary>The IDAT chunks' data, concatenated; a problem when the chunk structure is broken before IEND.</summary>
    private static byte[]? CollectIdat(ReadOnlySpan<byte> data, out string? problem)
    {
        problem = null;
        using var idat = new MemoryStream();
        int pos = 8;
        while (true)
        {
            if (pos + 12 > data.Length)
            {
                problem = "its chunks end before IEND";
                return null;
            }

            long length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            var type = data.Slice(pos + 4, 4);
            if (length > data.Length - pos - 12)
            {
                problem = $"its chunk '{ChunkName(type)}' claims {length} bytes, more than the file holds";
                return null;
            }

            if (type.SequenceEqual("IDAT"u8))
            {
                idat.Write(data.Slice(pos + 8, (int)length));
            }
            else if (type.SequenceEqual("IEND"u8))
            {
                break;
            }

            pos += 12 + (int)length;
        }

        if (idat.Length == 0)
        {
            problem = "it holds no pixel data (no IDAT chunk)";
            return null;
        }

        return idat.ToArray();
    }

    private static string ChunkName(ReadOnlySpan<byte> type)
    {
        Span<char> chars = stackalloc char[4];
        for (int i = 0; i < 4; i++)
        {
            chars[i] = type[i] is >= 0x20 and < 0x7F ? (char)type[i] : '?';
        }

        return new string(chars);
    }

    /// <summary>Inflates until the end of the zlib stream or until <paramref name="enough"/> bytes came out.</summary>
    private static long InflatedLength(byte[] compressed, long enough)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            using var zlib = new ZLibStream(new MemoryStream(compressed, writable: false), CompressionMode.Decompress);
            long total = 0;
            int read;
            while (total < enough && (read = zlib.Read(buffer, 0, buffer.Length)) > 0)
            {
                total += read;
            }

            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
