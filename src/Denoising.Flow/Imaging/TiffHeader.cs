using System.Buffers.Binary;

namespace Denoising.Flow.Imaging;

/// <summary>
/// The few fields of a classic (not Big) TIFF's first IFD that the imaging layer needs: photometric
/// interpretation (262), bits per sample (258), extra samples (338) and where the IFD and the strips or
/// tiles (273/279, 324/325) end. ImageSharp 2.x exposes these only on decoded frames.
/// </summary>
internal sealed class TiffHeader
{
    private readonly byte[] data;
    private readonly bool little;

    private TiffHeader(byte[] data, bool little)
    {
        this.data = data;
        this.little = little;
    }

    public int Photometric { get; private set; } = -1;

    public int BitsPerSample { get; private set; } = 8;

    public bool HasExtraSamples { get; private set; }

    /// <summary>The largest end offset of the IFD, its out-of-line values, and every strip or tile.</summary>
    public long DataEnd { get; private set; }

    /// <summary>Parses the first IFD; null when the data is not a classic TIFF or the IFD lies outside it.</summary>
    public static TiffHeader? TryParse(byte[] data)
    {
        if (data.Length < 8 || data[0] != data[1] || (data[0] != (byte)'I' && data[0] != (byte)'M'))
        {
            return null;
        }

        var header = new TiffHeader(data, data[0] == (byte)'I');
        if (header.U16(2) != 42)
        {
            return null;
        }

        long ifd = header.U32(4);
        if (ifd + 2 > data.Length)
        {
            return null;
        }

        int count = header.U16(ifd);
        header.DataEnd = ifd + 2 + (12L * count) + 4;
        long[] offsets = [], counts = [];
        for (int i = 0; i < count && ifd + 2 + (12L * (i + 1)) <= data.Length; i++)
        {
            long entry = ifd + 2 + (12L * i);
            long bytes = header.U32(entry + 4) * TypeSize(header.U16(entry + 2));
            if (bytes > 4)
            {
                header.DataEnd = Math.Max(header.DataEnd, header.U32(entry + 8) + bytes);
            }

            switch (header.U16(entry))
            {
                case 262: header.Photometric = header.Values(entry).FirstOrDefault(-1) is var p and >= 0 ? (int)p : -1; break;
                case 258: header.BitsPerSample = (int)header.Values(entry).FirstOrDefault(8); break;
                case 338: header.HasExtraSamples = true; break;
                case 273 or 324: offsets = header.Values(entry); break;
                case 279 or 325: counts = header.Values(entry); break;
            }
        }

        for (int i = 0; i < Math.Min(offsets.Length, counts.Length); i++)
        {
            header.DataEnd = Math.Max(header.DataEnd, offsets[i] + counts[i]);
        }

        return header;
    }

    private static long TypeSize(int type) => type switch
    {
        1 or 2 or 6 or 7 => 1,
        3 or 8 => 2,
        4 or 9 or 11 => 4,
        5 or 10 or 12 => 8,
        _ => 0,
    };

    /// <summary>The SHORT or LONG values of an entry, inline or at their offset; empty when they lie outside the data.</summary>
    private long[] Values(long entry)
    {
        int type = U16(entry + 2);
        long n = U32(entry + 4);
        int size = type switch { 3 => 2, 4 => 4, _ => 0 };
        if (size == 0 || n > 1_000_000)
        {
            return [];
        }

        long at = n * size <= 4 ? entry + 8 : U32(entry + 8);
        if (at + (n * size) > data.Length)
        {
            return [];
        }

        var values = new long[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = size == 2 ? U16(at + (2 * i)) : U32(at + (4 * i));
        }

        return values;
    }

    private ushort U16(long at) => little
        ? BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan((int)at))
        : BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan((int)at));

    private uint U32(long at) => little
        ? BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan((int)at))
        : BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan((int)at));
}
