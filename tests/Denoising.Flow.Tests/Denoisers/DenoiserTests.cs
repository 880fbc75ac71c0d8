using Denoising.Flow.Blur;
using Denoising.Flow.Denoisers;
using Denoising.Flow.Imaging;
using Denoising.Flow.Tests.TestSupport;
using Denoising.Flow.Training;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Denoisers;

public sealed class DenoiserTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    /// <summary>A denoiser with random (non-identity) weights: enough to test the plumbing.</summary>
    internal static Denoiser RandomDenoiser(int channels = 1, int blocks = 2, int width = 8, long seed = 3, bool noiseLevelInput = false)
    {
        manual_seed(seed);
        var network = new DenoiserNetwork(new DenoiserNetworkOptions { Channels = channels, ResidualBlocks = blocks, Width = width, NoiseLevelInput = noiseLevelInput });
        using (no_grad())
        {
            foreach (var p in network.parameters()) p.add_(randn_like(p) * 0.1);
        }
        var info = new DenoiserInfo(0, 16, 0, "test", 0, Array.Empty<double>(), 0, 0, 0);
        return new Denoiser(network, BlurKernels.Gaussian(0.8), info);
    }

    [Fact]
    public void Denoise_Tiled_EqualsWholeImageWithinFloatRounding()
    {
        // Each tile is computed with the full receptive radius of context and only its core is kept, so the result is the
        // same function of the same pixels: differences can only come from float32 summation order (about 1e-7 relative).
        using var scope = NewDisposeScope();
        using var denoiser = RandomDenoiser();
        var image = rand(1, 70, 53, generator: new Generator(1));
        var whole = denoiser.Denoise(image, new DenoiseOptions { TileSize = 512, ClipOutput = false });
        var tiled = denoiser.Denoise(image, new DenoiseOptions { TileSize = 16, ClipOutput = false });
        (whole - image).abs().max().ToDouble().Should().BeGreaterThan(1e-3, "the network must not be the identity for this test to mean anything");
        (tiled - whole).abs().max().ToDouble().Should().BeLessThan(1e-5);
    }

    [Fact]
    public void Denoise_KeepsShapeDtypeAndDevice_ForImageAndBatch()
    {
        using var scope = NewDisposeScope();
        using var denoiser = RandomDenoiser();
        var image = rand(new long[] { 1, 17, 9 }, dtype: ScalarType.Float64);
        var result = denoiser.Denoise(image);
        result.shape.Should().Equal(1, 17, 9);
        result.dtype.Should().Be(ScalarType.Float64);
        result.device_type.Should().Be(DeviceType.CPU);
        denoiser.Denoise(rand(3, 1, 12, 12)).shape.Should().Equal(3, 1, 12, 12);
        var clipped = denoiser.Denoise(rand(1, 12, 12) * 3 - 1);
        clipped.min().ToDouble().Should().BeGreaterThanOrEqualTo(0);
        clipped.max().ToDouble().Should().BeLessThanOrEqualTo(1);
    }

    [Fact]
    public void Denoise_ImageSmallerThanReceptiveRadius_FallsBackToReplicatePadding()
    {
        // Reflect padding needs the pad to be smaller than the image; a 3x2 image with a radius of 6 must still work,
        // and must equal the network applied to the replicate-padded image, cropped back.
        using var scope = NewDisposeScope();
        using var denoiser = RandomDenoiser();
        var image = rand(1, 3, 2);
        var result = denoiser.Denoise(image, new DenoiseOptions { ClipOutput = false });
        result.shape.Should().Equal(1, 3, 2);
        int r = denoiser.Network.ReceptiveRadius;
        var padded = nn.functional.pad(image.unsqueeze(0), new long[] { r, r, r, r }, PaddingModes.Replicate);
        var expected = denoiser.Forward(padded).narrow(2, r, 3).narrow(3, r, 2).squeeze(0);
        (result - expected).abs().max().ToDouble().Should().BeLessThan(1e-6);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Denoise_GrayscaleModelOnColorImage_DenoisesEachOpponentChannelLikeAGrayImage(bool levelGiven)
    {
        using var scope = NewDisposeScope();
        using var denoiser = RandomDenoiser(noiseLevelInput: true);
        var color = rand(3, 20, 20);
        var options = new DenoiseOptions { ClipOutput = false, NoiseLevel = levelGiven ? 30 : null };
        var result = denoiser.Denoise(color, options);

        // Each opponent channel is a grayscale image whose noise level is the RGB level / sqrt(3) when it is given.
        var planeOptions = options with { NoiseLevel = levelGiven ? 30 / Math.Sqrt(3) : null };
        var opponent = OpponentColor.FromRgb(color.unsqueeze(0)).squeeze(0);
        var planes = stack(Enumerable.Range(0, 3).Select(i => denoiser.Denoise(opponent[i].unsqueeze(0), planeOptions).squeeze(0)).ToArray());
        var expected = OpponentColor.ToRgb(planes.unsqueeze(0)).squeeze(0);
        result.shape.Should().Equal(3, 20, 20);
        (result - expected).abs().max().ToDouble().Should().BeLessThan(1e-5);
    }

    [Fact]
    public void Denoise_WrongChannelsRankOrNaN_ThrowsArgumentException()
    {
        using var scope = NewDisposeScope();
        using var denoiser = RandomDenoiser(channels: 3);
        ((Action)(() => denoiser.Denoise(rand(1, 8, 8)))).Should().Throw<ArgumentException>().WithMessage("*3-channel*[1, 8, 8]*");
        ((Action)(() => denoiser.Denoise(rand(8, 8)))).Should().Throw<ArgumentException>().WithMessage("*[C, H, W]*");
        ((Action)(() => denoiser.Denoise(full(3, 8, 8, float.NaN)))).Should().Throw<ArgumentException>().WithMessage("*NaN*");
    }

    [Fact]
    public void Denoise_SelfEnsemble_AveragesTheEightSymmetries()
    {
        using var scope = NewDisposeScope();
        using var denoiser = RandomDenoiser();
        var image = rand(1, 12, 10);
        var ensemble = denoiser.Denoise(image, new DenoiseOptions { SelfEnsemble = true, ClipOutput = false });
        var manual = zeros_like(image);
        for (int s = 0; s < 8; s++)
        {
            var t = image;
            if ((s & 4) != 0) t = t.transpose(1, 2);
            if ((s & 2) != 0) t = t.flip(1);
            if ((s & 1) != 0) t = t.flip(2);
            var d = denoiser.Denoise(t.contiguous(), new DenoiseOptions { ClipOutput = false });
            if ((s & 1) != 0) d = d.flip(2);
            if ((s & 2) != 0) d = d.flip(1);
            if ((s & 4) != 0) d = d.transpose(1, 2);
            manual += d / 8;
        }
        (ensemble - manual).abs().max().ToDouble().Should().BeLessThan(1e-6);
    }

    [Fact]
    public void Denoise_ConcurrentCalls_GiveTheSameResultAsSequential()
    {
        using var scope = NewDisposeScope();
        using var denoiser = RandomDenoiser();
        var images = Enumerable.Range(0, 8).Select(i => rand(new long[] { 1, 24, 24 }, generator: new Generator((ulong)i))).ToArray();
        var sequential = images.Select(i => denoiser.Denoise(i, new DenoiseOptions { TileSize = 16 }).data<float>().ToArray()).ToArray();
        var parallel = new float[images.Length][];
        Parallel.For(0, images.Length, i =>
        {
            using var threadScope = NewDisposeScope();
            parallel[i] = denoiser.Denoise(images[i], new DenoiseOptions { TileSize = 16 }).data<float>().ToArray();
        });
        for (int i = 0; i < images.Length; i++) parallel[i].Should().Equal(sequential[i]);
    }

    [Fact]
    public void SaveThenLoad_GivesIdenticalOutputsAndMetadata()
    {
        using var scope = NewDisposeScope();
        using var denoiser = RandomDenoiser(channels: 3);
        var path = folder.File("d.dnflow");
        denoiser.Save(path);
        using var loaded = Denoiser.Load(path, CPU);
        var image = rand(3, 19, 21);
        (loaded.Denoise(image) - denoiser.Denoise(image)).abs().max().ToDouble().Should().Be(0);
        loaded.Network.Should().Be(denoiser.Network);
        loaded.Blur.Name.Should().Be(denoiser.Blur.Name);
        loaded.Blur.GetTaps().Should().BeEquivalentTo(denoiser.Blur.GetTaps());
        loaded.Info.PriorWeight.Should().Be("test");
    }

    [Fact]
    public void Load_PriorFileOrCorruptFile_ThrowsCheckpointException()
    {
        var priorPath = folder.File("p.dnflow");
        TinyModels.SharedPrior().Save(priorPath);
        ((Action)(() => Denoiser.Load(priorPath, CPU))).Should().Throw<CheckpointException>().WithMessage("*holds a FlowPrior, not a Denoiser*");

        using var denoiser = RandomDenoiser();
        var path = folder.File("d.dnflow");
        denoiser.Save(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes.Take(bytes.Length / 2).ToArray());
        ((Action)(() => Denoiser.Load(path, CPU))).Should().Throw<CheckpointException>().WithMessage("*truncated or corrupt*");
    }

    [Fact]
    public void DenoiseFile_WritesPngOfSameSize()
    {
        using var scope = NewDisposeScope();
        using var denoiser = RandomDenoiser();
        var input = folder.File("in.png");
        ImageIO.WritePng(rand(1, 30, 40), input);
        denoiser.DenoiseFile(input, folder.File("out/denoised.png"));
        var info = ImageIO.Identify(folder.File("out/denoised.png"));
        (info.Width, info.Height, info.Channels).Should().Be((40, 30, 1));
        ((Action)(() => denoiser.DenoiseFile(folder.File("missing.png"), folder.File("x.png")))).Should().Throw<FileNotFoundException>();
    }

    [Fact]
    public void Denoise_NoiseLevelInput_UsesTheGivenLevelOrTheWholeImageEstimate()
    {
        using var scope = NewDisposeScope();
        using var denoiser = RandomDenoiser(noiseLevelInput: true);
        denoiser.Network.NoiseLevelInput.Should().BeTrue();
        var image = rand(new long[] { 1, 40, 36 }, generator: new Generator(4));
        var raw = new DenoiseOptions { ClipOutput = false };
        var low = denoiser.Denoise(image, raw with { NoiseLevel = 5 });
        var high = denoiser.Denoise(image, raw with { NoiseLevel = 50 });
        (low - high).abs().max().ToDouble().Should().BeGreaterThan(1e-3, "the noise level is an input of the network");

        double estimate = Denoising.Flow.Noise.NoiseLevelEstimator.Estimate(image);
        var estimated = denoiser.Denoise(image, raw);
        (estimated - denoiser.Denoise(image, raw with { NoiseLevel = estimate })).abs().max().ToDouble().Should().BeLessThan(1e-6);
        // Estimated once per whole image, not per tile: small tiles give the same result as one tile.
        (denoiser.Denoise(image, raw with { TileSize = 8 }) - estimated).abs().max().ToDouble().Should().BeLessThan(1e-5);
    }

    [Fact]
    public void Denoise_NoiseLevelInput_EstimatesEachImageOfABatchSeparately()
    {
        using var scope = NewDisposeScope();
        using var denoiser = RandomDenoiser(noiseLevelInput: true);
        var clean = rand(new long[] { 2, 1, 32, 32 }, generator: new Generator(5)) * 0.2 + 0.4;
        var noisy = clean + randn(new long[] { 2, 1, 32, 32 }, generator: new Generator(6)) * tensor(new[] { 5f / 255, 40f / 255 }).view(2, 1, 1, 1);
        var raw = new DenoiseOptions { ClipOutput = false };
        var batch = denoiser.Denoise(noisy, raw);
        for (int i = 0; i < 2; i++)
            (batch[i] - denoiser.Denoise(noisy[i], raw)).abs().max().ToDouble().Should().BeLessThan(1e-6);
    }

    [Fact]
    public void Denoise_NoiseLevelOutOfRange_Throws()
    {
        using var scope = NewDisposeScope();
        using var denoiser = RandomDenoiser(noiseLevelInput: true);
        ((Action)(() => denoiser.Denoise(rand(1, 8, 8), new DenoiseOptions { NoiseLevel = -1 }))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*NoiseLevel*");
        ((Action)(() => denoiser.Denoise(rand(1, 8, 8), new DenoiseOptions { NoiseLevel = double.NaN }))).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => denoiser.Denoise(rand(1, 1, 8)))).Should().Throw<ArgumentException>().WithMessage("*NoiseLevel*");
        denoiser.Denoise(rand(1, 1, 8), new DenoiseOptions { NoiseLevel = 20 }).shape.Should().Equal(1, 1, 8);
    }

    [Fact]
    public void Network_NoiseLevelGivenExactlyWhenItIsAnInput()
    {
        using var scope = NewDisposeScope();
        using var conditioned = new DenoiserNetwork(new DenoiserNetworkOptions { ResidualBlocks = 1, Width = 4, NoiseLevelInput = true });
        using var plain = new DenoiserNetwork(new DenoiserNetworkOptions { ResidualBlocks = 1, Width = 4 });
        var x = rand(2, 1, 8, 8);
        ((Action)(() => conditioned.forward(x))).Should().Throw<InvalidOperationException>().WithMessage("*noise level*");
        ((Action)(() => plain.Forward(x, tensor(new[] { 0.1f, 0.2f })))).Should().Throw<InvalidOperationException>().WithMessage("*no noise-level input*");
        ((Action)(() => conditioned.Forward(x, tensor(new[] { 0.1f })))).Should().Throw<ArgumentException>().WithMessage("*[2]*[1]*");
        conditioned.Forward(x, tensor(new[] { 0.1f, 0.2f })).shape.Should().Equal(2, 1, 8, 8);
    }

    [Fact]
    public void SaveThenLoad_NoiseLevelInputModel_KeepsTheInputAndTheOutputs()
    {
        using var scope = NewDisposeScope();
        using var denoiser = RandomDenoiser(noiseLevelInput: true);
        var path = folder.File("nl.dnflow");
        denoiser.Save(path);
        using var loaded = Denoiser.Load(path, CPU);
        loaded.Network.NoiseLevelInput.Should().BeTrue();
        var image = rand(1, 19, 21);
        (loaded.Denoise(image) - denoiser.Denoise(image)).abs().max().ToDouble().Should().Be(0);
    }

    [Fact]
    public void Denoise_InfiniteNonFloatOrOffScaleInput_ThrowsNamingTheProblem()
    {
        // One +Inf pixel used to turn most of the output into NaN; integer, byte and bool tensors and 0..255 floats gave white.
        using var scope = NewDisposeScope();
        using var denoiser = RandomDenoiser();
        var withInf = rand(1, 32, 32);
        withInf[0, 5, 5] = tensor(float.PositiveInfinity);
        ((Action)(() => denoiser.Denoise(withInf))).Should().Throw<ArgumentException>().WithMessage("*infinite*");
        ((Action)(() => denoiser.Denoise(-withInf))).Should().Throw<ArgumentException>().WithMessage("*infinite*");
        foreach (var dtype in new[] { ScalarType.Int32, ScalarType.Byte, ScalarType.Bool })
            ((Action)(() => denoiser.Denoise(ones(1, 8, 8).to(dtype)))).Should().Throw<ArgumentException>().WithMessage($"*floating-point*{dtype}*");
        ((Action)(() => denoiser.Denoise(rand(1, 8, 8) * 255))).Should().Throw<ArgumentException>().WithMessage("*divide by 255*");
        denoiser.Denoise(rand(1, 8, 8) * 2 - 0.5).shape.Should().Equal(1, 8, 8); // strong noise off [0, 1] is fine
    }

    [Fact]
    public void Denoise_TileWhoseActivationsPass32MiB_WarnsOnce_AndTheDefaultTileDoesNot()
    {
        // Width 8, radius 6: one layer of a padded 1036x1036 tile takes 8 x 1036^2 x 4 bytes = 32.8 MiB (> 32 MiB: slow).
        using var scope = NewDisposeScope();
        using var denoiser = RandomDenoiser();
        var image = rand(1, 1024, 1024, generator: new Generator(2));
        var logger = new ListLogger();

        denoiser.Denoise(image, new DenoiseOptions { TileSize = 1024, Logger = logger });
        logger.Entries.Should().ContainSingle(e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning)
            .Which.Message.Should().Contain("Tile size 1024").And.Contain("2x slower");

        logger.Entries.Clear();
        denoiser.Denoise(image, new DenoiseOptions { Logger = logger });
        denoiser.Denoise(rand(1, 300, 300), new DenoiseOptions { TileSize = 1024, Logger = logger });
        logger.Entries.Should().BeEmpty("the default tile, and a large tile size on an image smaller than 468 pixels, are fast");
    }

    [Fact]
    public void Denoise_BatchOverTheActivationBudget_RunsInGroups_WithTheSameResult()
    {
        // Width 8: one padded 612x612 tile takes 12 MiB per image, so a batch of 3 runs as 2 + 1 images.
        using var scope = NewDisposeScope();
        using var denoiser = RandomDenoiser();
        var batch = rand(3, 1, 600, 600, generator: new Generator(4));
        var options = new DenoiseOptions { TileSize = 600, ClipOutput = false };

        var together = denoiser.Denoise(batch, options);
        for (int i = 0; i < 3; i++)
            (together[i] - denoiser.Denoise(batch[i], options)).abs().max().ToDouble().Should().BeLessThan(1e-6);
    }
}
