using Denoising.Flow.Cli.Imaging;
using Denoising.Flow.Imaging;
using Denoising.Flow.Tests.TestSupport;
using FluentAssertions;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Cli.Tests.Imaging;

public class ImageWriterTests
{
    /// <summary>Values k / 65535 with k using the low byte: an 8-bit detour would change them.</summary>
    private static Tensor Levels16(int channels, int height, int width)
    {
        var k = arange(channels * height * width, dtype: ScalarType.Int64).mul(997).remainder(65536);
        return (k.to(ScalarType.Float32) / 65535f).reshape(channels, height, width);
    }

    private static string WriteFile(TempFolder temp, string name, Tensor image, Tensor? alpha, OutputEncoding encoding)
    {
        string path = temp.File(name);
        using var stream = File.Create(path);
        ImageWriter.Write(stream, image, alpha, encoding);
        return path;
    }

    [Theory]
    [InlineData("Png", 1, false)]
    [InlineData("Png", 3, true)]
    [InlineData("Tiff", 1, false)]
    [InlineData("Tiff", 3, false)]
    [InlineData("Tiff", 1, true)]
    [InlineData("Tiff", 3, true)]
    public void Write_16Bit_ReadsBackExactlyWithAlpha(string formatName, int channels, bool withAlpha)
    {
        var format = Enum.Parse<OutputFormat>(formatName);
        using var temp = new TempFolder();
        using var image = Levels16(channels, 5, 7);
        using var alpha = withAlpha ? Levels16(1, 5, 7).flip(2) : null;

        string path = WriteFile(temp, "x" + (format == OutputFormat.Png ? ".png" : ".tif"), image, alpha, new OutputEncoding(format, 16));

        // ImageSharp 2.1 reads no gray-with-alpha TIFF, so that one is written as RGBA (gray replicated).
        int stored = format == OutputFormat.Tiff && channels == 1 && withAlpha ? 3 : channels;
        var info = ImageIO.Identify(path);
        info.Should().BeEquivalentTo(new { Width = 7, Height = 5, Channels = stored, BitsPerChannel = 16, HasAlpha = withAlpha });
        using var read = ImageIO.Read(path);
        (read - image.expand(stored, -1, -1)).abs().max().item<float>().Should().Be(0f);
        using var readAlpha = ImageIO.ReadAlpha(path);
        if (withAlpha)
        {
            (readAlpha! - alpha!).abs().max().item<float>().Should().Be(0f);
        }
        else
        {
            readAlpha.Should().BeNull();
        }
    }

    [Theory]
    [InlineData("Tiff", 3)]
    [InlineData("Png", 1)]
    public void Write_8Bit_RoundsOnceFromFloat(string formatName, int channels)
    {
        var format = Enum.Parse<OutputFormat>(formatName);
        using var temp = new TempFolder();
        using var image = rand(channels, 4, 6);
        using var alpha = ones(1, 4, 6) * 0.5f;

        string path = WriteFile(temp, "x" + (format == OutputFormat.Png ? ".png" : ".tif"), image, alpha, new OutputEncoding(format, 8));

        ImageIO.Identify(path).BitsPerChannel.Should().Be(8);
        using var read = ImageIO.Read(path);
        using var expected = (image * 255).round() / 255;
        (read - expected).abs().max().item<float>().Should().BeLessThan(1e-6f);
        ImageIO.ReadAlpha(path)!.mean().item<float>().Should().BeApproximately(128 / 255f, 1e-6f);
    }

    [Fact]
    public void Write_Jpeg_IsAGrayJpegForOneChannel()
    {
        using var temp = new TempFolder();
        using var image = full(1, 16, 16, 0.5f);

        string path = WriteFile(temp, "x.jpg", image, null, new OutputEncoding(OutputFormat.Jpeg, 8));

        ImageIO.Identify(path).Should().BeEquivalentTo(new { Format = "JPEG", Channels = 1 });
    }

    [Theory]
    [InlineData("a.PNG", null, "a.PNG")]
    [InlineData("a.tiff", null, "a.tiff")]
    [InlineData("d/a.bmp", null, "d/a.png")]
    [InlineData("a.jpeg", null, "a.jpeg")]
    [InlineData("a.png", "Tiff", "a.tif")]
    public void OutputKey_KeepsOrChangesTheExtension(string key, string? requested, string expected) =>
        OutputEncoding.OutputKey(key, OutputEncoding.FormatOf(key, requested is null ? null : Enum.Parse<OutputFormat>(requested))).Should().Be(expected);
}
