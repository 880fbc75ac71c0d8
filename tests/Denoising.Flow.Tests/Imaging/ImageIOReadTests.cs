using Denoising.Flow.Imaging;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tga;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using Denoising.Flow.Tests.TestSupport;
using Xunit;
using PngBitDepth = SixLabors.ImageSharp.Formats.Png.PngBitDepth;

namespace Denoising.Flow.Tests.Imaging;

[Collection(ImagingCollection.Name)]
public sealed class ImageIOReadTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Read_Gray8Png_ReturnsEveryLevelExactly()
    {
        string file = temp.Write("gray.png", TestImages.Encode(TestImages.Create(16, 16, (x, y) => new L8((byte)((16 * y) + x))), new PngEncoder()));

        using var image = ImageIO.Read(file);

        image.shape.Should().Equal(1, 16, 16);
        image.dtype.Should().Be(torch.ScalarType.Float32);
        image.device_type.Should().Be(DeviceType.CPU);
        var values = image.data<float>().ToArray();
        for (int k = 0; k < 256; k++)
        {
            values[k].Should().Be(k / 255f);
        }
    }

    [Fact]
    public void Read_Rgb8Png_ReturnsPlanarRgbExactly()
    {
        string file = temp.Write("rgb.png", TestImages.Encode(TestImages.Gradient(), new PngEncoder()));

        using var image = ImageIO.Read(file);

        image.shape.Should().Equal(3, 32, 48);
        foreach (var (c, x, y) in new[] { (0, 0, 0), (1, 5, 7), (2, 47, 31), (0, 20, 3) })
        {
            image[c, y, x].item<float>().Should().Be(TestImages.GradientValue(c, x, y));
        }
    }

    [Fact]
    public void Read_Gray16Png_KeepsSixteenBitPrecision()
    {
        string file = temp.Write("gray16.png", TestImages.Encode(
            TestImages.Create(4, 3, (x, y) => new L16((ushort)(1000 + x + (4 * y)))), new PngEncoder { BitDepth = PngBitDepth.Bit16 }));

        using var image = ImageIO.Read(file);

        image.shape.Should().Equal(1, 3, 4);
        image[0, 0, 0].item<float>().Should().Be(1000f / 65535f);
        image[0, 2, 3].item<float>().Should().Be(1011f / 65535f);
    }

    [Fact]
    public void Read_Rgb16Png_KeepsSixteenBitPrecision()
    {
        string file = temp.Write("rgb16.png", TestImages.Encode(
            TestImages.Create(2, 2, (x, y) => new Rgb48(1000, 40001, 65534)), new PngEncoder { BitDepth = PngBitDepth.Bit16 }));

        using var image = ImageIO.Read(file);

        image.shape.Should().Equal(3, 2, 2);
        image[0, 1, 1].item<float>().Should().Be(1000f / 65535f);
        image[1, 1, 1].item<float>().Should().Be(40001f / 65535f);
        image[2, 1, 1].item<float>().Should().Be(65534f / 65535f);
    }

    public static TheoryData<string, IImageEncoder, double> OtherFormats => new()
    {
        { "jpg", new JpegEncoder { Quality = 95 }, 0.02 },
        { "bmp", new BmpEncoder(), 1e-6 },
        { "tga", new TgaEncoder(), 1e-6 },
        { "tif", new TiffEncoder(), 1e-6 },
        { "webp", new WebpEncoder { FileFormat = WebpFileFormatType.Lossless }, 1e-6 },
        { "webp", new WebpEncoder { Quality = 90 }, 0.03 },
        { "gif", new GifEncoder(), 0.03 },
    };

    [Theory]
    [MemberData(nameof(OtherFormats))]
    public void Read_OtherFormats_DecodeToRightShapeAndValues(string extension, IImageEncoder encoder, double meanTolerance)
    {
        string file = temp.Write("image." + extension, TestImages.Encode(TestImages.Gradient(), encoder));

        using var image = ImageIO.Read(file);

        image.shape.Should().Equal(3, 32, 48);
        using var expected = torch.zeros(3, 32, 48);
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < 32; y++)
            {
                for (int x = 0; x < 48; x++)
                {
                    expected[c, y, x] = TestImages.GradientValue(c, x, y);
                }
            }
        }

        (image - expected).abs().mean().item<float>().Should().BeLessThan((float)meanTolerance);
    }

    public static TheoryData<string, IImageEncoder> GrayEncoders => new()
    {
        { "png", new PngEncoder() },
        { "jpg", new JpegEncoder { ColorType = JpegColorType.Luminance } },
        { "tga", new TgaEncoder { BitsPerPixel = TgaBitsPerPixel.Pixel8 } },
        { "tif", new TiffEncoder { BitsPerPixel = TiffBitsPerPixel.Bit8 } },
    };

    [Theory]
    [MemberData(nameof(GrayEncoders))]
    public void Read_GraySourceInAutoMode_ReturnsOneChannel(string extension, IImageEncoder encoder)
    {
        string file = temp.Write("gray." + extension, TestImages.Encode(TestImages.Create(8, 6, (x, y) => new L8((byte)(100 + x))), encoder));

        using var image = ImageIO.Read(file);

        image.shape.Should().Equal(1, 6, 8);
        image[0, 2, 5].item<float>().Should().BeApproximately(105f / 255f, 0.01f);
        ImageIO.Identify(file).Channels.Should().Be(1);
    }

    [Fact]
    public void Read_RgbaPng_DropsAlphaAndKeepsColor()
    {
        string file = temp.Write("rgba.png", TestImages.Encode(TestImages.Create(3, 2, (x, y) => new Rgba32(10, 20, 30, (byte)(x * 100))), new PngEncoder()));

        using var image = ImageIO.Read(file);

        image.shape.Should().Equal(3, 2, 3);
        image[0, 0, 0].item<float>().Should().Be(10 / 255f);
        image[2, 1, 2].item<float>().Should().Be(30 / 255f);
        ImageIO.Identify(file).HasAlpha.Should().BeTrue();
    }

    [Fact]
    public void Read_GrayAlphaPng_ReturnsOneChannel()
    {
        string file = temp.Write("la.png", TestImages.Encode(TestImages.Create(3, 2, (x, y) => new La16(77, 0)), new PngEncoder()));

        using var image = ImageIO.Read(file);

        image.shape.Should().Equal(1, 2, 3);
        image[0, 1, 1].item<float>().Should().Be(77 / 255f);
    }

    [Fact]
    public void Read_ImagesWithAlpha_LogsOnceAtInformation()
    {
        string file = temp.Write("rgba.png", TestImages.Encode(TestImages.Create(2, 2, (x, y) => new Rgba32(1, 2, 3, 4)), new PngEncoder()));
        var logger = new ListLogger();
        ImagingLog.ResetAlphaNotice();

        ImageIO.Read(file, logger: logger).Dispose();
        ImageIO.Read(file, logger: logger).Dispose();

        logger.Entries.Should().ContainSingle()
            .Which.Should().Match<(LogLevel Level, string Message)>(e => e.Level == LogLevel.Information && e.Message.Contains("alpha") && e.Message.Contains(file));
    }

    [Theory]
    [InlineData(255, 0, 0, 0.299f)]
    [InlineData(0, 255, 0, 0.587f)]
    [InlineData(0, 0, 255, 0.114f)]
    [InlineData(255, 255, 255, 1f)]
    public void Read_ColorModeGrayscaleOnColorSource_UsesBt601Luma(byte r, byte g, byte b, float luma)
    {
        string file = temp.Write("color.png", TestImages.Encode(TestImages.Create(2, 2, (x, y) => new Rgb24(r, g, b)), new PngEncoder()));

        using var image = ImageIO.Read(file, new ImageReadOptions { ColorMode = ImageColorMode.Grayscale });

        image.shape.Should().Equal(1, 2, 2);
        image[0, 1, 0].item<float>().Should().BeApproximately(luma, 1e-6f);
    }

    [Fact]
    public void Read_ColorModeColorOnGraySource_ReplicatesIntoThreeChannels()
    {
        string file = temp.Write("gray.png", TestImages.Encode(TestImages.Create(4, 2, (x, y) => new L8((byte)(x * 50))), new PngEncoder()));

        using var image = ImageIO.Read(file, new ImageReadOptions { ColorMode = ImageColorMode.Color });

        image.shape.Should().Equal(3, 2, 4);
        for (int c = 0; c < 3; c++)
        {
            image[c, 1, 3].item<float>().Should().Be(150 / 255f);
        }
    }

    [Fact]
    public void Read_ColorModeGrayscaleOnGraySource_KeepsValuesExactly()
    {
        string file = temp.Write("gray.png", TestImages.Encode(TestImages.Create(4, 2, (x, y) => new L8((byte)(x * 50))), new PngEncoder()));

        using var image = ImageIO.Read(file, new ImageReadOptions { ColorMode = ImageColorMode.Grayscale });

        image.shape.Should().Equal(1, 2, 4);
        image[0, 0, 3].item<float>().Should().Be(150 / 255f);
    }

    [Fact]
    public void Read_ColorModeAutoOnGrayContentInRgbFile_ReturnsThreeChannels()
    {
        string file = temp.Write("rgbgray.png", TestImages.Encode(TestImages.Create(2, 2, (x, y) => new Rgb24(9, 9, 9)), new PngEncoder { ColorType = PngColorType.Rgb }));

        using var image = ImageIO.Read(file);

        image.shape.Should().Equal(3, 2, 2);
    }

    [Fact]
    public void Read_AnimatedGif_ReturnsFirstFrame()
    {
        var animation = TestImages.Create(4, 4, (x, y) => new Rgb24(255, 0, 0));
        using (var second = TestImages.Create(4, 4, (x, y) => new Rgb24(0, 0, 255)))
        {
            animation.Frames.AddFrame(second.Frames.RootFrame);
        }

        string file = temp.Write("anim.gif", TestImages.Encode(animation, new GifEncoder()));

        using var image = ImageIO.Read(file);

        image.shape.Should().Equal(3, 4, 4);
        image[0, 2, 2].item<float>().Should().Be(1f);
        image[2, 2, 2].item<float>().Should().Be(0f);
    }

    [Fact]
    public void Read_Stream_MatchesFileRead()
    {
        byte[] bytes = TestImages.Encode(TestImages.Gradient(), new PngEncoder());
        string file = temp.Write("rgb.png", bytes);

        using var fromFile = ImageIO.Read(file);
        using var fromStream = ImageIO.Read(new MemoryStream(bytes), "in-memory.png");

        fromStream.eq(fromFile).all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void Read_MissingFile_ThrowsFileNotFoundNamingIt()
    {
        string file = temp.File("missing.png");

        var act = () => ImageIO.Read(file);

        act.Should().ThrowExactly<FileNotFoundException>().Where(e => e.Message.Contains(file) && e.FileName == file);
    }

    [Fact]
    public void Identify_Gray16Png_ReportsHeader()
    {
        string file = temp.Write("gray16.png", TestImages.Encode(TestImages.Create(5, 3, (x, y) => new L16(7)), new PngEncoder { BitDepth = PngBitDepth.Bit16 }));

        ImageIO.Identify(file).Should().Be(new ImageInfo(5, 3, 1, 16, false, "PNG"));
    }

    [Theory]
    [InlineData("jpg", "JPEG")]
    [InlineData("webp", "WEBP")]
    [InlineData("tif", "TIFF")]
    public void Identify_ColorFiles_ReportsThreeChannels(string extension, string format)
    {
        IImageEncoder encoder = extension switch
        {
            "jpg" => new JpegEncoder(),
            "webp" => new WebpEncoder(),
            _ => new TiffEncoder(),
        };
        string file = temp.Write("color." + extension, TestImages.Encode(TestImages.Gradient(), encoder));

        ImageIO.Identify(file).Should().Be(new ImageInfo(48, 32, 3, 8, false, format));
    }
}
