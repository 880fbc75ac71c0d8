using System.Buffers.Binary;
using System.IO.Compression;

namespace Denoising.Flow.Fuzz;

/// <summary>
/// Mutations of a valid file: generic byte-level ones (bit flips, interesting values, cut, insert, delete,
/// duplicate, size fields) and PNG-aware ones that keep the chunk CRCs valid so the decoder goes deep: the PNG
/// class of the interlaced hang needs a well-formed file whose zlib data is short.
/// </summary>
public static class Mutator
{
    private static readonly uint[] Interesting = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 10_000, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF];

    public static byte[] Mutate(Seed seed, Random random)
    {
        byte[] data = seed.Bytes;
        int count = 1 + random.Next(4);
        for (int i = 0; i < count; i++)
        {
            data = seed.Format == "png" && random.Next(3) == 0 ? MutatePng(data, random) : MutateBytes(data, random);
        }

        if (seed.Format == "png" && random.Next(5) != 0)
        {
            FixPngCrcs(data);
        }

        return data;
    }

    private static byte[] MutateBytes(byte[] data, Random random)
    {
        if (data.Length == 0)
        {
            return [(byte)random.Next(256)];
        }

        var bytes = data.ToList();
        int at = random.Next(bytes.Count);
        switch (random.Next(8))
        {
            case 0:
                for (int i = 1 + random.Next(8); i > 0; i--)
                {
                    int p = random.Next(bytes.Count);
                    bytes[p] ^= (byte)(1 << random.Next(8));
                }

                break;
            case 1:
                bytes[at] = (byte)Interesting[random.Next(6)];
                break;
            case 2:
                WriteInteresting(bytes, random.Next(Math.Min(bytes.Count, 64)), random);
                break;
            case 3:
                WriteInteresting(bytes, at, random);
                break;
            case 4:
                bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(64)));
                break;
            case 5:
                bytes.InsertRange(at, Enumerable.Range(0, 1 + random.Next(64)).Select(_ => (byte)random.Next(256)));
                break;
            case 6:
                int from = random.Next(bytes.Count), length = Math.Min(bytes.Count - from, 1 + random.Next(256));
                bytes.InsertRange(at, bytes.GetRange(from, length));
                break;
            default:
                bytes.RemoveRange(at, bytes.Count - at);
                break;
        }

        return bytes.ToArray();
    }

    /// <summary>A 16- or 32-bit interesting value, either byte order.</summary>
    private static void WriteInteresting(List<byte> bytes, int at, Random random)
    {
        uint value = Interesting[random.Next(Interesting.Length)];
        int size = random.Next(2) == 0 ? 2 : 4;
        bool bigEndian = random.Next(2) == 0;
        for (int i = 0; i < size && at + i < bytes.Count; i++)
        {
            int shift = 8 * (bigEndian ? size - 1 - i : i);
            bytes[at + i] = (byte)(value >> shift);
        }
    }

    private static byte[] MutatePng(byte[] data, Random random)
    {
        var chunks = PngChunks.Parse(data);
        if (chunks is null || chunks.Count == 0 || chunks[0].Type != "IHDR" || chunks[0].Data.Length < 13)
        {
            return MutateBytes(data, random);
        }

        switch (random.Next(4))
        {
            case 0: // Inflated pixel data cut or extended: the hang class.
                byte[] pixels = chunks.Where(c => c.Type == "IDAT").SelectMany(c => c.Data).ToArray();
                byte[] inflated = Inflate(pixels);
                int keep = random.Next(2) == 0 ? Math.Max(0, inflated.Length - 1 - random.Next(Math.Max(1, inflated.Length / 10))) : random.Next(inflated.Length + 1);
                byte[] recompressed = Deflate(random.Next(4) == 0 ? [.. inflated, .. new byte[random.Next(64)]] : inflated[..keep]);
                var rebuilt = chunks.Where(c => c.Type != "IDAT").ToList();
                rebuilt.Insert(rebuilt.FindIndex(c => c.Type == "IEND") is var end and >= 0 ? end : rebuilt.Count, new PngChunk("IDAT", recompressed));
                return PngChunks.Write(rebuilt);
            case 1: // Header fields: size, depth, color type, interlace.
                byte[] header = chunks[0].Data.ToArray();
                int field = random.Next(5);
                if (field < 2)
                {
                    BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(field * 4), (uint)random.Next(1, 70_000));
                }
                else
                {
                    header[8 + random.Next(5)] = (byte)random.Next(17);
                }

                chunks[0] = chunks[0] with { Data = header };
                return PngChunks.Write(chunks);
            case 2: // A chunk dropped or duplicated.
                int index = random.Next(chunks.Count);
                if (random.Next(2) == 0)
                {
                    chunks.RemoveAt(index);
                }
                else
                {
                    chunks.Insert(index, chunks[index]);
                }

                return PngChunks.Write(chunks);
            default: // IDAT split into many small chunks (valid), then a byte-level mutation.
                byte[] all = chunks.Where(c => c.Type == "IDAT").SelectMany(c => c.Data).ToArray();
                var split = chunks.Where(c => c.Type != "IDAT").ToList();
                int at = split.FindIndex(c => c.Type == "IEND") is var e and >= 0 ? e : split.Count;
                for (int pos = 0, size = 1 + random.Next(32); pos < all.Length; pos += size)
                {
                    split.Insert(at++, new PngChunk("IDAT", all[pos..Math.Min(all.Length, pos + size)]));
                }

                return MutateBytes(PngChunks.Write(split), random);
        }
    }

    /// <summary>Recomputes the CRC of every chunk whose structure is intact, in place.</summary>
    public static void FixPngCrcs(byte[] data)
    {
        int pos = 8;
        while (pos + 12 <= data.Length)
        {
            long length = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(pos));
            if (length > data.Length - pos - 12)
            {
                return;
            }

            uint crc = Crc32.Compute(data.AsSpan(pos + 4, 4 + (int)length));
            BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(pos + 8 + (int)length), crc);
            pos += 12 + (int)length;
        }
    }

    private static byte[] Inflate(byte[] compressed)
    {
        try
        {
            using var zlib = new ZLibStream(new MemoryStream(compressed), CompressionMode.Decompress);
            using var output = new MemoryStream();
            zlib.CopyTo(output);
            return output.ToArray();
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            return compressed; // Not inflatable (damaged, or a preset dictionary): mutate the bytes as they are.
        }
    }

    private static byte[] Deflate(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(raw);
        }

        return output.ToArray();
    }
}

/// <summary>One PNG chunk: its four-letter type and its data.</summary>
public sealed record PngChunk(string Type, byte[] Data);

/// <summary>Splits a PNG into chunks and writes chunks back with valid lengths and CRCs.</summary>
public static class PngChunks
{
    public static List<PngChunk>? Parse(byte[] data)
    {
        if (data.Length < 8)
        {
            return null;
        }

        var chunks = new List<PngChunk>();
        int pos = 8;
        while (pos + 12 <= data.Length)
        {
            long length = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(pos));
            if (length > data.Length - pos - 12)
            {
                break;
            }

            chunks.Add(new PngChunk(System.Text.Encoding.ASCII.GetString(data, pos + 4, 4), data[(pos + 8)..(pos + 8 + (int)length)]));
            pos += 12 + (int)length;
        }

        return chunks;
    }

    public static byte[] Write(IEnumerable<PngChunk> chunks)
    {
        using var output = new MemoryStream();
        output.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        Span<byte> word = stackalloc byte[4];
        foreach (var chunk in chunks)
        {
            BinaryPrimitives.WriteUInt32BigEndian(word, (uint)chunk.Data.Length);
            output.Write(word);
            byte[] typeAndData = [.. System.Text.Encoding.ASCII.GetBytes(chunk.Type), .. chunk.Data];
            output.Write(typeAndData);
            BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Compute(typeAndData));
            output.Write(word);
        }

        return output.ToArray();
    }
}

/// <summary>The CRC-32 of PNG and zlib (polynomial 0xEDB88320).</summary>
public static class Crc32
{
    private static readonly uint[] Table = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++)
        {
            c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }

        return c;
    }).ToArray();

    public static uint Compute(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc ^ 0xFFFFFFFF;
    }
}
