using System.Buffers.Binary;

namespace Denoising.Flow.Imaging;

/// <summary>
/// Checks a GIF's first frame before it is decoded: its LZW data must yield every pixel of the frame. ImageSharp 2.1.13
/// fills the pixels of a frame whose data ends early with the background without a word. The check follows the LZW codes
/// keeping only the length of each table entry (no pixel buffer), and stops once the frame is complete.
/// </summary>
internal static class GifDataCheck
{
    private const int MaxCodes = 4096;

    /// <summary>Why the first frame cannot be decoded whole, or null when it can (or the file is not GIF-shaped; the decoder reports that).</summary>
    public static string? Problem(ReadOnlySpan<byte> data)
    {
        if (data.Length < 13)
        {
            return null;
        }

        int pos = 13 + TruncationCheck.GifColorTableSize(data[10]);
        while (pos < data.Length)
        {
            byte block = data[pos++];
            if (block == 0x21)
            {
                pos++; // Extension label, then its sub-blocks.
                if (!SkipSubBlocks(data, ref pos))
                {
                    return null;
                }

                continue;
            }

            if (block != 0x2C || pos + 9 > data.Length)
            {
                return null; // The trailer before any frame, or corrupt: the decoder reports it.
            }

            long width = BinaryPrimitives.ReadUInt16LittleEndian(data[(pos + 4)..]);
            long height = BinaryPrimitives.ReadUInt16LittleEndian(data[(pos + 6)..]);
            pos += 9 + TruncationCheck.GifColorTableSize(data[pos + 8]);
            if (pos >= data.Length)
            {
                return null;
            }

            long needed = width * height;
            long decoded = DecodedPixels(data, pos, needed, out string? damage);
            return damage ?? (decoded < needed
                ? $"its pixel data is truncated or damaged: the first frame's data holds {decoded} of its {needed} pixels"
                : null);
        }

        return null;
    }

    private static bool SkipSubBlocks(ReadOnlySpan<byte> data, ref int pos)
    {
        while (pos < data.Length)
        {
            int size = data[pos++];
            if (size == 0)
            {
                return true;
            }

            pos += size;
        }

        return false;
    }

    /// <summary>The number of pixels the LZW stream at <paramref name="pos"/> yields, stopping at <paramref name="needed"/>.</summary>
    private static long DecodedPixels(ReadOnlySpan<byte> data, int pos, long needed, out string? damage)
    {
        damage = null;
        int minimum = data[pos++];
        if (minimum is < 1 or > 11)
        {
            damage = $"its LZW minimum code size {minimum} is invalid";
            return 0;
        }

        int clear = 1 << minimum, end = clear + 1;
        Span<int> lengths = stackalloc int[MaxCodes];
        int next = clear + 2, codeSize = minimum + 1, previousLength = 0;
        long pixels = 0;
        var bits = new SubBlockBits(data, pos);
        while (pixels < needed && bits.TryRead(codeSize, out int code))
        {
            if (code == clear)
            {
                (next, codeSize, previousLength) = (clear + 2, minimum + 1, 0);
                continue;
            }

            if (code == end)
            {
                break;
            }

            int length;
            if (code < clear)
            {
                length = 1;
            }
            else if (code < next)
            {
                length = lengths[code];
            }
            else if (code == next && previousLength > 0)
            {
                length = previousLength + 1;
            }
            else
            {
                damage = $"its LZW data is damaged (code {code} where the table has {next} entries)";
                return pixels;
            }

            pixels += length;
            if (previousLength > 0 && next < MaxCodes)
            {
                lengths[next++] = previousLength + 1;
                if (next == 1 << codeSize && codeSize < 12)
                {
                    codeSize++;
                }
            }

            previousLength = length;
        }

        return pixels;
    }

    /// <summary>Little-endian bits across GIF data sub-blocks.</summary>
    private ref struct SubBlockBits(ReadOnlySpan<byte> data, int start)
    {
        private readonly ReadOnlySpan<byte> data = data;
        private int pos = start, blockLeft, buffer, count;

        public bool TryRead(int size, out int value)
        {
            while (count < size)
            {
                if (blockLeft == 0)
                {
                    if (pos >= data.Length || data[pos] == 0)
                    {
                        value = 0;
                        return false;
                    }

                    blockLeft = data[pos++];
                }

                if (pos >= data.Length)
                {
                    value = 0;
                    return false;
                }

                buffer |= data[pos++] << count;
                count += 8;
                blockLeft--;
            }

            value = buffer & ((1 << size) - 1);
            buffer >>= size;
            count -= size;
            return true;
        }
    }
}
