using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace Denoising.Flow.Tests.Imaging;

/// <summary>Imaging tests share a process-wide "alpha logged once" flag: run them one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class ImagingCollection
{
    public const string Name = "Imaging";
}

/// <summary>Images generated in memory with ImageSharp.</summary>
public static class TestImages
{
    public static byte[] Encode<TPixel>(Image<TPixel> image, IImageEncoder encoder)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        using (image)
        {
            using var stream = new MemoryStream();
            image.Save(stream, encoder);
            return stream.ToArray();
        }
    }

    public static Image<TPixel> Create<TPixel>(int width, int height, Func<int, int, TPixel> pixel)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        var image = new Image<TPixel>(width, height);
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                {
                    row[x] = pixel(x, y);
                }
            }
        });
        return image;
    }

    /// <summary>A smooth color gradient: easy for lossy codecs, so decoded values stay close.</summary>
    public static Image<Rgb24> Gradient(int width = 48, int height = 32) =>
        Create(width, height, (x, y) => new Rgb24((byte)(40 + (3 * x)), (byte)(30 + (4 * y)), (byte)(200 - (2 * x))));

    public static float GradientValue(int channel, int x, int y) => channel switch
    {
        0 => (40 + (3 * x)) / 255f,
        1 => (30 + (4 * y)) / 255f,
        _ => (200 - (2 * x)) / 255f,
    };

    public static byte[] Png(params (string Type, byte[] Data)[] chunks)
    {
        using var stream = new MemoryStream();
        stream.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        foreach (var (type, data) in chunks)
        {
            var typeAndData = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
            stream.Write(BigEndian((uint)data.Length));
            stream.Write(typeAndData);
            stream.Write(BigEndian(Crc32(typeAndData)));
        }

        return stream.ToArray();
    }

    public static byte[] BigEndian(uint value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    private static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }
}
