using System.Buffers.Binary;

namespace Denoising.Flow.Cli.Imaging;

/// <summary>
/// Baseline TIFF (little-endian, uncompressed, one strip, chunky samples): 8 or 16 bits per sample, gray or RGB, with
/// an optional unassociated alpha sample. ImageSharp 2.1's TiffEncoder writes 16-bit data as 8 bits, so 16-bit output is
/// written here.
/// </summary>
internal static class TiffWriter
{
    private const ushort Short = 3, Long = 4;

    /// <summary>Writes interleaved samples (row-major, <paramref name="samplesPerPixel"/> per pixel, the last one alpha when <paramref name="alpha"/>).</summary>
    public static void Write(Stream stream, ReadOnlySpan<ushort> samples, int width, int height, int samplesPerPixel, int bitsPerSample, bool alpha)
    {
        if (bitsPerSample is not (8 or 16))
        {
            throw new ArgumentOutOfRangeException(nameof(bitsPerSample), bitsPerSample, "8 or 16 bits per sample.");
        }

        int bytesPerSample = bitsPerSample / 8;
        long dataLength = (long)samples.Length * bytesPerSample;
        int colorSamples = alpha ? samplesPerPixel - 1 : samplesPerPixel;
        var entries = new List<(ushort Tag, ushort Type, uint Count, uint Value)>
        {
            (256, Long, 1, (uint)width),
            (257, Long, 1, (uint)height),
            (258, Short, (uint)samplesPerPixel, 0), // BitsPerSample, filled below
            (259, Short, 1, 1), // no compression
            (262, Short, 1, colorSamples == 1 ? 1u : 2u), // BlackIsZero or RGB
            (273, Long, 1, 8), // StripOffsets: data right after the header
            (277, Short, 1, (uint)samplesPerPixel),
            (278, Long, 1, (uint)height),
            (279, Long, 1, checked((uint)dataLength)),
            (284, Short, 1, 1), // chunky
        };
        if (alpha)
        {
            entries.Add((338, Short, 1, 2)); // ExtraSamples: unassociated alpha
        }

        long ifdOffset = 8 + dataLength + (dataLength % 2);
        long bitsOffset = ifdOffset + 2 + (entries.Count * 12) + 4;
        byte[] word = new byte[4];

        stream.Write("II"u8);
        WriteU16(stream, 42);
        WriteU32(stream, checked((uint)ifdOffset));
        var buffer = new byte[Math.Min(samples.Length * bytesPerSample, 1 << 16)];
        for (int start = 0; start < samples.Length; start += buffer.Length / bytesPerSample)
        {
            int count = Math.Min(buffer.Length / bytesPerSample, samples.Length - start);
            for (int i = 0; i < count; i++)
            {
                if (bytesPerSample == 1)
                {
                    buffer[i] = (byte)samples[start + i];
                }
                else
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(2 * i), samples[start + i]);
                }
            }

            stream.Write(buffer, 0, count * bytesPerSample);
        }

        if (dataLength % 2 == 1)
        {
            stream.WriteByte(0); // the IFD starts on a word boundary
        }

        WriteU16(stream, (ushort)entries.Count);
        foreach (var (tag, type, count, value) in entries)
        {
            WriteU16(stream, tag);
            WriteU16(stream, type);
            WriteU32(stream, count);
            if (tag == 258 && samplesPerPixel > 2)
            {
                WriteU32(stream, checked((uint)bitsOffset));
            }
            else if (tag == 258)
            {
                WriteU16(stream, (ushort)bitsPerSample);
                WriteU16(stream, samplesPerPixel == 2 ? (ushort)bitsPerSample : (ushort)0);
            }
            else if (type == Short)
            {
                WriteU16(stream, (ushort)value);
                WriteU16(stream, 0);
            }
            else
            {
                WriteU32(stream, value);
            }
        }

        WriteU32(stream, 0); // no next IFD
        if (samplesPerPixel > 2)
        {
            for (int s = 0; s < samplesPerPixel; s++)
            {
                WriteU16(stream, (ushort)bitsPerSample);
            }
        }

        void WriteU16(Stream s, ushort v)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(word, v);
            s.Write(word, 0, 2);
        }

        void WriteU32(Stream s, uint v)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(word, v);
            s.Write(word, 0, 4);
        }
    }
}
