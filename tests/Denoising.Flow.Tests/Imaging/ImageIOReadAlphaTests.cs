using Denoising.Flow.Imaging;
using FluentAssertions;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using Denoising.Flow.Tests.TestSupport;
using Xunit;
using PngBitDepth = SixLabors.ImageSharp.Formats.Png.PngBitDepth;

namespace Denoising.Flow.Tests.Imaging;

[Collection(ImagingCollection.Name)]
public sealed class ImageIOReadAlphaTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void ReadAlpha_Rgba16Png_KeepsSixteenBitPrecision()
    {
        string file = temp.Write("rgba16.png", TestImages.Encode(
            TestImages.Create(4, 3, (x, y) => new Rgba64(1, 2, 3, (ushort)(1000 + x + (4 * y)))),
            new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = PngColorType.RgbWithAlpha }));

        using var alpha = ImageIO.ReadAlpha(file);

        alpha!.shape.Should().Equal(1, 3, 4);
        alpha[0, 0, 0].item<float>().Should().Be(1000f / 65535f);
        alpha[0, 2, 3].item<float>().Should().Be(1011f / 65535f);
    }

    [Fact]
    public void ReadAlpha_GrayAlpha8Png_ReturnsEightBitLevels()
    {
        string file = temp.Write("la8.png", TestImages.Encode(
            TestImages.Create(3, 2, (x, y) => new La16(50, (byte)(x + (3 * y)))), new PngEncoder { ColorType = PngColorType.GrayscaleWithAlpha }));

        using var alpha = ImageIO.ReadAlpha(file);

        alpha![0, 1, 2].item<float>().Should().Be(5f / 255f);
    }

    [Fact]
    public void ReadAlpha_NoAlpha_ReturnsNull()
    {
        string file = temp.Write("rgb.png", TestImages.Encode(TestImages.Create(2, 2, (x, y) => new Rgb24(1, 2, 3)), new PngEncoder()));

        ImageIO.ReadAlpha(file).Should().BeNull();
    }

    [Fact]
    public void ReadAlpha_TruncatedFile_IsRefusedLikeARead()
    {
        byte[] bytes = TestImages.Encode(TestImages.Create(16, 16, (x, y) => new Rgba32((byte)x, (byte)y, 0, 128)),
            new PngEncoder { ColorType = PngColorType.RgbWithAlpha });
        string file = temp.Write("cut.png", bytes[..(bytes.Length / 2)]);

        FluentActions.Invoking(() => ImageIO.ReadAlpha(file)).Should().Throw<ImageReadException>().Which.FilePath.Should().Be(file);
    }
}
