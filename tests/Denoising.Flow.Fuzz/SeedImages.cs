using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tga;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Tiff.Constants;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace Denoising.Flow.Fuzz;

/// <summary>A valid file to mutate: its format (the lower-case extension) and a name saying which variant it is.</summary>
public sealed record Seed(string Format, string Name, byte[] Bytes);

/// <summary>Small valid images in every format and main variant the library reads, generated in memory.</summary>
public static class SeedImages
{
    public static IReadOnlyList<Seed> All { get; } = Create();

    public static IReadOnlyList<Seed> Of(string format) => All.Where(s => s.Format == format).ToArray();

    private static List<Seed> Create()
    {
        var seeds = new List<Seed>
        {
            Png("png-gray8", Gray(), PngColorType.Grayscale, PngBitDepth.Bit8, interlaced: false),
            Png("png-gray8-adam7", Gray(), PngColorType.Grayscale, PngBitDepth.Bit8, interlaced: true),
            Png("png-gray1", Gray(), PngColorType.Grayscale, PngBitDepth.Bit1, interlaced: false),
            Png("png-gray16-adam7", Gray16(), PngColorType.Grayscale, PngBitDepth.Bit16, interlaced: true),
            Png("png-rgb8", Color(), PngColorType.Rgb, PngBitDepth.Bit8, interlaced: false),
            Png("png-rgb8-adam7", Color(), PngColorType.Rgb, PngBitDepth.Bit8, interlaced: true),
            Png("png-rgba8-adam7", Color(), PngColorType.RgbWithAlpha, PngBitDepth.Bit8, interlaced: true),
            Png("png-rgb16", Color(), PngColorType.Rgb, PngBitDepth.Bit16, interlaced: false),
            Png("png-palette", Color(), PngColorType.Palette, PngBitDepth.Bit8, interlaced: false),
            Png("png-palette-adam7", Color(), PngColorType.Palette, PngBitDepth.Bit4, interlaced: true),
            new("jpg", "jpeg-color", Encode(Color(), new JpegEncoder { Quality = 75 })),
            new("jpg", "jpeg-gray", Encode(Gray(), new JpegEncoder { Quality = 90, ColorType = JpegColorType.Luminance })),
            new("gif", "gif", Encode(Color(), new GifEncoder())),
            new("bmp", "bmp-24", Encode(Color(), new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 })),
            new("bmp", "bmp-8-palette", Encode(Color(), new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel8 })),
            new("bmp", "bmp-rle8", Rle8Bmp()),
            new("tga", "tga-24", Encode(Color(), new TgaEncoder { BitsPerPixel = TgaBitsPerPixel.Pixel24 })),
            new("tga", "tga-rle", Encode(Color(), new TgaEncoder { BitsPerPixel = TgaBitsPerPixel.Pixel24, Compression = TgaCompression.RunLength })),
            new("tif", "tiff-none", Encode(Color(), new TiffEncoder { Compression = TiffCompression.None })),
            new("tif", "tiff-deflate", Encode(Color(), new TiffEncoder { Compression = TiffCompression.Deflate })),
            new("tif", "tiff-lzw", Encode(Color(), new TiffEncoder { Compression = TiffCompression.Lzw })),
            new("tif", "tiff-packbits-gray", Encode(Gray(), new TiffEncoder { Compression = TiffCompression.PackBits, BitsPerPixel = TiffBitsPerPixel.Bit8 })),
            new("webp", "webp-lossless", Encode(Color(), new WebpEncoder { FileFormat = WebpFileFormatType.Lossless })),
            new("webp", "webp-lossy", Encode(Color(), new WebpEncoder { FileFormat = WebpFileFormatType.Lossy, Quality = 70 })),
        };
        return seeds;
    }

    private const int Width = 37, Height = 23;

    private static Seed Png(string name, Image image, PngColorType colorType, PngBitDepth bitDepth, bool interlaced) =>
        new("png", name, Encode(image, new PngEncoder
        {
            ColorType = colorType,
            BitDepth = bitDepth,
            InterlaceMethod = interlaced ? PngInterlaceMode.Adam7 : PngInterlaceMode.None,
        }));

    private static Image<Rgb24> Color()
    {
        var image = new Image<Rgb24>(Width, Height);
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                image[x, y] = new Rgb24((byte)(x * 7), (byte)(y * 11), (byte)((x * y) + 40));
            }
        }

        return image;
    }

    private static Image<L8> Gray()
    {
        var image = new Image<L8>(Width, Height);
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                image[x, y] = new L8((byte)((x * 5) + (y * 3)));
            }
        }

        return image;
    }

    private static Image<L16> Gray16()
    {
        var image = new Image<L16>(Width, Height);
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                image[x, y] = new L16((ushort)((x * 1500) + (y * 700)));
            }
        }

        return image;
    }

    private static byte[] Encode(Image image, IImageEncoder encoder)
    {
        using (image)
        {
            using var stream = new MemoryStream();
            image.Save(stream, encoder);
            return stream.ToArray();
        }
    }

    /// <summary>An 8-bit run-length encoded BMP (ImageSharp writes none): gray palette, runs of 5 pixels.</summary>
    private static byte[] Rle8Bmp()
    {
        var pixels = new List<byte>();
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x += 5)
            {
                pixels.Add((byte)Math.Min(5, Width - x));
                pixels.Add((byte)((x + y) * 3));
            }

            pixels.AddRange([0, 0]); // End of line.
        }

        pixels.AddRange([0, 1]); // End of bitmap.
        const int paletteBytes = 256 * 4, headerBytes = 14 + 40;
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        writer.Write("BM"u8);
        writer.Write(headerBytes + paletteBytes + pixels.Count);
        writer.Write(0);
        writer.Write(headerBytes + paletteBytes);
        writer.Write(40);
        writer.Write(Width);
        writer.Write(Height);
        writer.Write((short)1);
        writer.Write((short)8);
        writer.Write(1); // BI_RLE8
        writer.Write(pixels.Count);
        writer.Write(2835);
        writer.Write(2835);
        writer.Write(256);
        writer.Write(0);
        for (int i = 0; i < 256; i++)
        {
            writer.Write([(byte)i, (byte)i, (byte)i, (byte)0]);
        }

        writer.Write(pixels.ToArray());
        writer.Flush();
        return stream.ToArray();
    }
}
