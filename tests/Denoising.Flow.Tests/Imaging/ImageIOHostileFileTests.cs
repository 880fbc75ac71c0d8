using System.IO.Compression;
using Denoising.Flow.Fuzz;
using Denoising.Flow.Imaging;
using Denoising.Flow.Tests.TestSupport;
using FluentAssertions;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace Denoising.Flow.Tests.Imaging;

/// <summary>Files built to hurt the readers (issue "Reliability"): damaged pixel data, the interlaced-PNG hang, and a fuzz run.</summary>
[Collection(ImagingCollection.Name)]
public sealed class ImageIOHostileFileTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public static TheoryData<string> PngSeeds()
    {
        var data = new TheoryData<string>();
        foreach (var seed in SeedImages.Of("png"))
        {
            data.Add(seed.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PngSeeds))]
    public void Read_PngWhosePixelDataIsOneByteShort_IsRefusedWithoutHanging(string seedName)
    {
        byte[] bytes = WithInflatedPixels(Seed(seedName), inflated => inflated[..^1]);

        var outcome = ReadWithin(bytes, seedName + ".png");

        outcome.Should().BeOfType<ImageReadException>().Which.Message.Should().Contain("truncated or damaged");
    }

    [Theory]
    [MemberData(nameof(PngSeeds))]
    public void Read_PngCutInsideItsPixelDataWithAnIntactEnd_IsRefused(string seedName)
    {
        byte[] bytes = WithInflatedPixels(Seed(seedName), inflated => inflated[..(inflated.Length / 2)]);

        ReadWithin(bytes, seedName + ".png").Should().BeOfType<ImageReadException>()
            .Which.Message.Should().Contain("compressed data holds");
    }

    [Theory]
    [MemberData(nameof(PngSeeds))]
    public void Read_PngWithItsDataSplitIntoSmallChunksOrTrailingBytes_ReadsAsTheOriginal(string seedName)
    {
        byte[] original = Seed(seedName);
        var chunks = PngChunks.Parse(original)!;
        byte[] all = chunks.Where(c => c.Type == "IDAT").SelectMany(c => c.Data).ToArray();
        var split = chunks.Where(c => c.Type != "IDAT").ToList();
        int at = split.FindIndex(c => c.Type == "IEND");
        for (int pos = 0; pos < all.Length; pos += 7)
        {
            split.Insert(at++, new PngChunk("IDAT", all[pos..Math.Min(all.Length, pos + 7)]));
        }

        byte[] trailing = WithInflatedPixels(original, inflated => [.. inflated, 0, 0, 0]);

        using var expected = ImageIO.Read(new MemoryStream(original), "original.png");
        foreach (byte[] variant in new[] { PngChunks.Write(split), trailing })
        {
            using var image = ImageIO.Read(new MemoryStream(variant), "variant.png");
            image.shape.Should().Equal(expected.shape);
            image.eq(expected).all().item<bool>().Should().BeTrue();
        }
    }

    [Fact]
    public void Read_PngWithDamagedCompressedData_IsRefused()
    {
        byte[] bytes = Seed("png-rgb8");
        var chunks = PngChunks.Parse(bytes)!;
        int idat = chunks.FindIndex(c => c.Type == "IDAT");
        byte[] data = chunks[idat].Data.ToArray();
        data[2] = 0xFF; // The first deflate block header: a reserved block type.
        chunks[idat] = chunks[idat] with { Data = data };

        ReadWithin(PngChunks.Write(chunks), "damaged.png").Should().BeOfType<ImageReadException>()
            .Which.Message.Should().Contain("damaged");
    }

    [Fact]
    public void Read_BmpWhoseHeaderMakesThePaletteImpossiblyLarge_IsRefused()
    {
        // A pixel data offset of 2 GB: ImageSharp sizes the palette array from it while reading the header (found by the fuzzer).
        byte[] bytes = Seed("bmp-8-palette").ToArray();
        BitConverter.GetBytes(0x7FFFFFFF).CopyTo(bytes, 10);

        ReadWithin(bytes, "palette.bmp").Should().BeOfType<ImageReadException>().Which.Message.Should().Contain("header is corrupt");
        string path = WriteTemp(bytes);
        try
        {
            var identify = () => ImageIO.Identify(path);
            identify.Should().Throw<ImageReadException>();
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Read_PngWhoseZlibStreamAsksForAPresetDictionary_IsRefused()
    {
        // FDICT set in the zlib header (with a valid header checksum): .NET's inflater reports it as a ZLibException.
        byte[] bytes = Seed("png-gray8");
        var chunks = PngChunks.Parse(bytes)!;
        int idat = chunks.FindIndex(c => c.Type == "IDAT");
        byte[] data = chunks[idat].Data.ToArray();
        data[1] = 0x20;
        data[1] += (byte)(31 - (((data[0] << 8) | data[1]) % 31));
        chunks[idat] = chunks[idat] with { Data = data };

        ReadWithin(PngChunks.Write(chunks), "dictionary.png").Should().BeOfType<ImageReadException>()
            .Which.Message.Should().Contain("compressed pixel data is damaged");
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void Read_GifWhoseFrameDataIsCutInsideAnIntactFile_IsRefused(double keep)
    {
        byte[] bytes = WithGifDataCut(SeedImages.All.Single(s => s.Name == "gif").Bytes, keep);

        ReadWithin(bytes, "cut.gif").Should().BeOfType<ImageReadException>()
            .Which.Message.Should().Contain("truncated or damaged");
    }

    [Fact]
    public void Read_IntactGif_IsRead()
    {
        ReadWithin(WithGifDataCut(SeedImages.All.Single(s => s.Name == "gif").Bytes, 1.0), "whole.gif").Should().BeNull();
    }

    [SkippableTheory]
    [InlineData("hang-interlaced-1x1-65B.png")]
    [InlineData("png-idat-cut-50pct.png")]
    public void Read_SharedPngReproducers_AreRefusedWithoutHanging(string name)
    {
        Skip.If(SharedData.Folder is null, SharedData.MissingReason);
        string path = Path.Combine(SharedData.Folder!, "..", "reliability", name);
        Skip.IfNot(File.Exists(path), $"{path} is not there.");

        ReadWithin(File.ReadAllBytes(path), name).Should().BeOfType<ImageReadException>()
            .Which.Message.Should().Contain("damaged");
    }

    [Fact]
    public void Read_TallImage_FillsEveryBandOfRowsExactly()
    {
        // 2100 x 1201 gray: rows are copied into the tensor in bands of 499 rows; the last band is partial.
        const int width = 2100, height = 1201;
        using var source = new Image<L8>(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                source[x, y] = new L8((byte)((x * 3) + (y * 7)));
            }
        }

        using var stream = new MemoryStream();
        source.SaveAsPng(stream);
        using var gray = ImageIO.Read(new MemoryStream(stream.ToArray()), "tall.png");
        using var color = ImageIO.Read(new MemoryStream(stream.ToArray()), "tall.png", new ImageReadOptions { ColorMode = ImageColorMode.Color });

        var expected = new float[height * width];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                expected[(y * width) + x] = (byte)((x * 3) + (y * 7)) / 255f;
            }
        }

        gray.shape.Should().Equal(1, height, width);
        gray.data<float>().ToArray().Should().Equal(expected);
        color.shape.Should().Equal(3, height, width);
        for (int c = 0; c < 3; c++)
        {
            color[c].data<float>().ToArray().Should().Equal(expected);
        }
    }

    [Theory]
    [InlineData("png", 1500)]
    [InlineData("all", 1200)]
    public void Read_MutatedFiles_NeverHangNorThrowAnythingButImageReadException(string format, int cases)
    {
        // Mutated headers may claim up to MaxPixels; decoding 50 M pixels legitimately takes seconds, so this test
        // (which looks for endless loops, under CI load) caps images at 4 M pixels. The fuzz program uses the defaults.
        var runner = new FuzzRunner(TimeSpan.FromSeconds(5), memoryLimitBytes: 2L << 30, saveFolder: null,
            new ImageReadOptions { MaxPixels = 4_000_000 });

        runner.Run(format == "all" ? SeedImages.All : SeedImages.Of(format), cases, randomSeed: 20261130);

        runner.Findings.Select(f => $"{f.Outcome} {f.SeedName} case {f.Case}: {f.What}").Should().BeEmpty();
        runner.Tallies.Values.Sum(t => t.Cases).Should().Be(cases);
        runner.Tallies.Values.Sum(t => t.Refused).Should().BeGreaterThan(0, "mutations must also produce refused files, or the fuzzer does nothing");
        runner.Tallies.Values.Sum(t => t.Read).Should().BeGreaterThan(0, "mutations must also produce readable files");
    }

    /// <summary>The GIF with its first frame's LZW data cut to <paramref name="keep"/> of its bytes, the block structure and trailer intact.</summary>
    private static byte[] WithGifDataCut(byte[] gif, double keep)
    {
        static int TableSize(byte packed) => (packed & 0x80) != 0 ? 3 << ((packed & 7) + 1) : 0;
        int pos = 13 + TableSize(gif[10]);
        while (gif[pos] == 0x21)
        {
            pos += 2;
            while (gif[pos] != 0)
            {
                pos += gif[pos] + 1;
            }

            pos++;
        }

        gif[pos].Should().Be(0x2C);
        pos += 10 + TableSize(gif[pos + 9]);
        int dataStart = pos + 1; // After the LZW minimum code size.
        var payload = new List<byte>();
        for (int p = dataStart; gif[p] != 0; p += gif[p] + 1)
        {
            payload.AddRange(gif.AsSpan(p + 1, gif[p]).ToArray());
        }

        var kept = payload.Take((int)(payload.Count * keep)).ToArray();
        var result = new List<byte>(gif[..dataStart]);
        foreach (var block in kept.Chunk(255))
        {
            result.Add((byte)block.Length);
            result.AddRange(block);
        }

        result.AddRange(new byte[] { 0, 0x3B });
        return result.ToArray();
    }

    private static string WriteTemp(byte[] bytes)
    {
        string path = Path.Combine(Path.GetTempPath(), $"denoising-flow-hostile-{Guid.NewGuid():N}.bmp");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Seed(string name) => SeedImages.All.Single(s => s.Name == name).Bytes;

    /// <summary>The PNG with its pixel data replaced by a valid zlib stream of <paramref name="change"/>(inflated data), CRCs valid.</summary>
    private static byte[] WithInflatedPixels(byte[] png, Func<byte[], byte[]> change)
    {
        var chunks = PngChunks.Parse(png)!;
        byte[] compressed = chunks.Where(c => c.Type == "IDAT").SelectMany(c => c.Data).ToArray();
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(new MemoryStream(compressed), CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        using var deflated = new MemoryStream();
        using (var zlib = new ZLibStream(deflated, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(change(inflated.ToArray()));
        }

        var rebuilt = chunks.Where(c => c.Type != "IDAT").ToList();
        rebuilt.Insert(rebuilt.FindIndex(c => c.Type == "IEND"), new PngChunk("IDAT", deflated.ToArray()));
        return PngChunks.Write(rebuilt);
    }

    /// <summary>The exception a read ends with (null when it succeeds); fails the test when it takes longer than <see cref="Patience"/>.</summary>
    private static Exception? ReadWithin(byte[] bytes, string name)
    {
        var read = Task.Factory.StartNew(() =>
        {
            try
            {
                ImageIO.Read(new MemoryStream(bytes), name).Dispose();
                return null;
            }
            catch (Exception ex)
            {
                return ex;
            }
        }, TaskCreationOptions.LongRunning);
        read.Wait(Patience).Should().BeTrue($"reading {name} must end within {Patience.TotalSeconds} s");
        return read.Result;
    }
}
