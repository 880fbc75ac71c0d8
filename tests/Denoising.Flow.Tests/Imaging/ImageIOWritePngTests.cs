using Denoising.Flow.Imaging;
using FluentAssertions;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using Denoising.Flow.Tests.TestSupport;
using Xunit;

namespace Denoising.Flow.Tests.Imaging;

[Collection(ImagingCollection.Name)]
public sealed class ImageIOWritePngTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void WritePng_Gray8_RoundsToNearestLevel()
    {
        string file = temp.File("gray.png");
        using var image = torch.tensor(new[] { 100.4f / 255f, 100.6f / 255f, 0.5f / 255f + 1e-6f, 254.49f / 255f }, [1, 1, 4]);

        ImageIO.WritePng(image, file);

        using var written = Image.Load<L8>(file);
        Enumerable.Range(0, 4).Select(x => (int)written[x, 0].PackedValue).Should().Equal(100, 101, 1, 254);
    }

    [Fact]
    public void WritePng_Gray8_ClampsOutOfRangeAndNaN()
    {
        string file = temp.File("gray.png");
        using var image = torch.tensor(new[] { -0.5f, 1.7f, float.NaN, float.PositiveInfinity }, [1, 1, 4]);

        ImageIO.WritePng(image, file);

        using var written = Image.Load<L8>(file);
        Enumerable.Range(0, 4).Select(x => (int)written[x, 0].PackedValue).Should().Equal(0, 255, 0, 255);
    }

    [Fact]
    public void WritePng_Bit16_RoundsToSixteenBitsAndReadsBackExactly()
    {
        string file = temp.File("gray16.png");
        using var image = torch.tensor(new[] { 1000.4f / 65535f, 1000.6f / 65535f }, [1, 1, 2]);

        ImageIO.WritePng(image, file, Denoising.Flow.Imaging.PngBitDepth.Bit16);

        using var back = ImageIO.Read(file);
        back.data<float>().ToArray().Should().Equal(1000f / 65535f, 1001f / 65535f);
    }

    [Fact]
    public void WritePng_RgbThenRead_RoundTripsExactly()
    {
        string file = temp.File("rgb.png");
        using var levels = torch.randint(0, 256, [3, 5, 7], dtype: torch.ScalarType.Float32) / 255f;

        ImageIO.WritePng(levels, file);

        using var back = ImageIO.Read(file);
        back.shape.Should().Equal(3, 5, 7);
        back.eq(levels).all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void WritePng_BatchedFloat64Tensor_IsAccepted()
    {
        string file = temp.File("batched.png");
        using var image = torch.full([1, 3, 2, 2], 0.5, dtype: torch.ScalarType.Float64);

        ImageIO.WritePng(image, file);

        using var back = ImageIO.Read(file);
        back.shape.Should().Equal(3, 2, 2);
        back[1, 1, 1].item<float>().Should().Be(128 / 255f);
    }

    [Theory]
    [InlineData(new long[] { 2, 4, 4 }, "[2, 4, 4]")]
    [InlineData(new long[] { 4, 4 }, "[4, 4]")]
    [InlineData(new long[] { 2, 3, 4, 4 }, "[2, 3, 4, 4]")]
    [InlineData(new long[] { 1, 4, 4, 4 }, "[1, 4, 4, 4]")]
    [InlineData(new long[] { 1, 1, 1, 4, 4 }, "[1, 1, 1, 4, 4]")]
    [InlineData(new long[] { 3, 0, 4 }, "[3, 0, 4]")]
    public void WritePng_WrongShape_ThrowsArgumentExceptionNamingShape(long[] shape, string named)
    {
        using var image = torch.zeros(shape);
        string file = temp.File("bad.png");

        var act = () => ImageIO.WritePng(image, file);

        act.Should().ThrowExactly<ArgumentException>().Where(e => e.Message.Contains(named));
        File.Exists(file).Should().BeFalse();
        Directory.EnumerateFiles(temp.Path).Should().BeEmpty("no temporary file is left behind");
    }

    [Fact]
    public void WritePng_MissingFolder_CreatesItAndLeavesNoTemporaryFile()
    {
        string file = Path.Combine(temp.Path, "a", "b", "out.png");
        using var image = torch.ones(1, 2, 2);

        ImageIO.WritePng(image, file);

        File.Exists(file).Should().BeTrue();
        Directory.EnumerateFiles(Path.GetDirectoryName(file)!).Should().ContainSingle();
    }

    [Fact]
    public void WritePng_ExistingFile_IsReplaced()
    {
        string file = temp.Write("out.png", [1, 2, 3]);
        using var image = torch.zeros(3, 2, 2);

        ImageIO.WritePng(image, file);

        using var back = ImageIO.Read(file);
        back.shape.Should().Equal(3, 2, 2);
    }

    [Fact]
    public void WritePng_Stream_WritesPngBytes()
    {
        using var stream = new MemoryStream();
        using var image = torch.full([1, 2, 3], 0.25f);

        ImageIO.WritePng(image, stream);

        stream.Position = 0;
        using var back = ImageIO.Read(stream, "stream.png");
        back[0, 1, 2].item<float>().Should().Be(64 / 255f);
    }

    [Fact]
    public void WritePng_InputTensor_IsNotModified()
    {
        using var image = torch.tensor(new[] { -1f, 2f }, [1, 1, 2]);

        ImageIO.WritePng(image, new MemoryStream());

        image.data<float>().ToArray().Should().Equal(-1f, 2f);
    }
}
