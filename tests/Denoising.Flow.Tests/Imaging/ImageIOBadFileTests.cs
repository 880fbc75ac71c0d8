using Denoising.Flow.Imaging;
using FluentAssertions;
using FluentAssertions.Specialized;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tga;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using Denoising.Flow.Tests.TestSupport;
using Xunit;

namespace Denoising.Flow.Tests.Imaging;

[Collection(ImagingCollection.Name)]
public sealed class ImageIOBadFileTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Read_RandomBytes_ThrowsImageReadException(int seed)
    {
        var bytes = new byte[1 + new Random(seed).Next(5000)];
        new Random(seed).NextBytes(bytes);
        string file = temp.Write("random.png", bytes);

        ShouldRefuse(() => ImageIO.Read(file), file, "not an image");
        ShouldRefuse(() => ImageIO.Identify(file), file, "not an image");
    }

    public static TheoryData<string, int> SignaturesAndSeeds()
    {
        var data = new TheoryData<string, int>();
        foreach (string format in new[] { "png", "jpg", "gif", "bmp", "webp", "tif", "tga" })
        {
            for (int seed = 0; seed < 4; seed++)
            {
                data.Add(format, seed);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SignaturesAndSeeds))]
    public void Read_RealHeaderFollowedByRandomBytes_ThrowsImageReadException(string extension, int seed)
    {
        byte[] real = TestImages.Encode(TestImages.Gradient(), Encoder(extension));
        var random = new Random(seed);
        int keep = Math.Min(real.Length, 16 + random.Next(48));
        var bytes = real.Take(keep).Concat(Enumerable.Range(0, 3000).Select(_ => (byte)random.Next(256))).ToArray();
        string file = temp.Write("noise." + extension, bytes);

        var act = () => ImageIO.Read(file);

        // Random bytes after a real header may happen to decode (BMP, TGA and TIFF have no checksums): only the
        // exception type is the contract here.
        try
        {
            act().Dispose();
        }
        catch (Exception ex)
        {
            ex.Should().BeOfType<ImageReadException>();
            ex.Message.Should().Contain(file);
        }
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.3)]
    [InlineData(0.6)]
    [InlineData(0.95)]
    [InlineData(-1)]
    [InlineData(-12)]
    public void Read_TruncatedPng_ThrowsImageReadException(double cut)
    {
        string file = WriteTruncated("png", cut);

        ShouldRefuse(() => ImageIO.Read(file), file, "truncated");
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.3)]
    [InlineData(0.6)]
    [InlineData(0.95)]
    [InlineData(-1)]
    [InlineData(-2)]
    public void Read_TruncatedJpeg_ThrowsImageReadException(double cut)
    {
        string file = WriteTruncated("jpg", cut);

        ShouldRefuse(() => ImageIO.Read(file), file, "");
    }

    [Theory]
    [InlineData("gif")]
    [InlineData("bmp")]
    [InlineData("webp")]
    [InlineData("tif")]
    [InlineData("tga")]
    public void Read_TruncatedOtherFormats_ThrowsImageReadException(string extension)
    {
        // -2, not -1: ImageSharp pads a TIFF to an even length, and losing that padding byte loses no data.
        foreach (double cut in new[] { 0.3, 0.6, 0.9, -2 })
        {
            string file = WriteTruncated(extension, cut);

            ShouldRefuse(() => ImageIO.Read(file), file, "");
        }
    }

    [Fact]
    public void Read_EmptyFile_ThrowsImageReadException()
    {
        string file = temp.Write("empty.png", []);

        ShouldRefuse(() => ImageIO.Read(file), file, "empty");
    }

    [Fact]
    public void Read_TextFileNamedPng_ThrowsImageReadException()
    {
        string file = temp.Write("notes.png", "This is a text file, not a picture.\n"u8.ToArray());

        ShouldRefuse(() => ImageIO.Read(file), file, "not an image");
    }

    [Fact]
    public void Read_PngHeaderClaimingHugeSize_IsRefusedBeforeDecoding()
    {
        byte[] ihdr = [.. TestImages.BigEndian(100_000), .. TestImages.BigEndian(100_000), 8, 2, 0, 0, 0];
        string file = temp.Write("huge.png", TestImages.Png(("IHDR", ihdr), ("IEND", [])));

        ShouldRefuse(() => ImageIO.Read(file), file, "too large")
            .Which.Message.Should().Contain("100000x100000");
        ImageIO.Identify(file).Should().Be(new ImageInfo(100_000, 100_000, 3, 8, false, "PNG"));
    }

    [Fact]
    public void Read_SmallMaxPixels_RefusesNormalImage()
    {
        string file = temp.Write("rgb.png", TestImages.Encode(TestImages.Gradient(48, 32), new PngEncoder()));

        ShouldRefuse(() => ImageIO.Read(file, new ImageReadOptions { MaxPixels = 48 * 32 - 1 }), file, "too large");
        using var accepted = ImageIO.Read(file, new ImageReadOptions { MaxPixels = 48 * 32 });
        accepted.shape.Should().Equal(3, 32, 48);
    }

    [Fact]
    public void Read_StreamWithGarbage_ThrowsImageReadExceptionWithName()
    {
        var act = () => ImageIO.Read(new MemoryStream([1, 2, 3, 4, 5]), "upload-7");

        act.Should().ThrowExactly<ImageReadException>().Where(e => e.FilePath == "upload-7" && e.Message.Contains("upload-7"));
    }

    [Fact]
    public void MaxPixels_ZeroOrNegative_ThrowsArgumentOutOfRange()
    {
        var act = () => new ImageReadOptions { MaxPixels = 0 };

        act.Should().ThrowExactly<ArgumentOutOfRangeException>();
    }

    private static IImageEncoder Encoder(string extension) => extension switch
    {
        "png" => new PngEncoder(),
        "jpg" => new JpegEncoder(),
        "gif" => new GifEncoder(),
        "bmp" => new BmpEncoder(),
        "webp" => new WebpEncoder(),
        "tif" => new TiffEncoder(),
        _ => new TgaEncoder(),
    };

    /// <summary>A real file cut to a fraction of its length, or (when negative) minus that many bytes.</summary>
    private string WriteTruncated(string extension, double cut)
    {
        byte[] real = TestImages.Encode(TestImages.Gradient(64, 48), Encoder(extension));
        int length = cut < 0 ? real.Length + (int)cut : (int)(real.Length * cut);
        return temp.Write($"cut{length}.{extension}", real[..length]);
    }

    private static ExceptionAssertions<ImageReadException> ShouldRefuse(Action act, string file, string reason) =>
        act.Should().ThrowExactly<ImageReadException>()
            .Where(e => e.FilePath == file && e.Message.Contains(file) && e.Message.Contains(reason));

    private static ExceptionAssertions<ImageReadException> ShouldRefuse(Func<object> act, string file, string reason) =>
        ShouldRefuse(() => { act(); }, file, reason);
}
