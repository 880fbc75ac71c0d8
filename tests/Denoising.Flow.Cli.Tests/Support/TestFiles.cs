using Denoising.Flow.Tests.TestSupport;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Denoising.Flow.Cli.Tests.Support;

/// <summary>Small image files written for a test.</summary>
public static class TestFiles
{
    /// <summary>Gray 8-bit PNGs 01.png.. of synthetic images with Gaussian noise of <paramref name="noise"/> (on [0,1]) added, size x size.</summary>
    public static string[] GrayPngs(string folder, int count, int size, int seed = 1, double noise = 0.08)
    {
        Directory.CreateDirectory(folder);
        var images = SyntheticImages.Create(count, size, seed);
        var random = new Random(seed);
        var paths = new string[count];
        for (int i = 0; i < count; i++)
        {
            var values = images[i].data<float>().ToArray();
            using var image = new Image<L8>(size, size);
            for (int y = 0; y < size; y++)
            {
                for (int x = 0; x < size; x++)
                {
                    double v = values[(y * size) + x] + (noise * Gaussian(random));
                    image[x, y] = new L8((byte)Math.Clamp(Math.Round(v * 255), 0, 255));
                }
            }

            paths[i] = Path.Combine(folder, $"{i + 1:D2}.png");
            image.SaveAsPng(paths[i]);
            images[i].Dispose();
        }

        return paths;
    }

    /// <summary>A 16-bit gray PNG whose values use the low byte too (a ramp plus noise).</summary>
    public static string Gray16Png(string path, int size)
    {
        var random = new Random(3);
        using var image = new Image<L16>(size, size);
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                image[x, y] = new L16((ushort)Math.Clamp((x * 1000) + (y * 700) + (random.Next(4000) - 2000) + 10000, 0, 65535));
            }
        }

        image.SaveAsPng(path, new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = PngColorType.Grayscale });
        return path;
    }

    /// <summary>An 8-bit RGBA PNG with a varied alpha channel.</summary>
    public static string RgbaPng(string path, int size)
    {
        var random = new Random(4);
        using var image = new Image<Rgba32>(size, size);
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                image[x, y] = new Rgba32((byte)(x * 7), (byte)(y * 5), (byte)random.Next(256), (byte)((x * 13) + (y * 3)));
            }
        }

        image.SaveAsPng(path, new PngEncoder { ColorType = PngColorType.RgbWithAlpha });
        return path;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
