using Denoising.Flow.Denoisers;
using Denoising.Flow.Imaging;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Denoisers;

public sealed class CollaborativeWienerTests
{
    private static readonly DenoiseOptions Raw = new() { ClipOutput = false };

    /// <summary>A smooth image with edges: ramps, a disc and a stripe pattern, [1, 1, H, W] on [0.2, 0.8].</summary>
    internal static Tensor Scene(long h, long w)
    {
        var y = arange(h, dtype: float32).view(h, 1) / h;
        var x = arange(w, dtype: float32).view(1, w) / w;
        var disc = ((y - 0.5).square() + (x - 0.4).square() < 0.06).to(float32);
        var stripes = (sin(x * 40) * (y > 0.7).to(float32)) * 0.15;
        return (0.3 + (0.2 * x) + (0.2 * disc) + stripes).clamp(0.2, 0.8).view(1, 1, h, w);
    }

    private static double Mse(Tensor a, Tensor b) => (a.to(float64) - b.to(float64)).square().mean().ToDouble();

    [Fact]
    public void Filter_WithTheCleanImageAsPilot_RemovesMostOfTheNoise()
    {
        using var scope = NewDisposeScope();
        var clean = Scene(64, 72);
        const double sigma = 25.0 / 255;
        var noisy = clean + (randn(clean.shape, generator: new Generator(5)) * sigma);
        var filtered = CollaborativeWiener.Filter(noisy, clean, full(1, 1, sigma));
        // The oracle Wiener filter: far below the noise variance, and far below what a 3x3 mean leaves.
        Mse(filtered, clean).Should().BeLessThan(0.1 * sigma * sigma);
        var mean3 = nn.functional.avg_pool2d(nn.functional.pad(noisy, new long[] { 1, 1, 1, 1 }, PaddingModes.Reflect), 3, 1);
        Mse(filtered, clean).Should().BeLessThan(0.5 * Mse(mean3, clean));
    }

    [Fact]
    public void Filter_WithANoisyPilot_IsCloserToTheCleanImageThanThePilot()
    {
        using var scope = NewDisposeScope();
        var clean = Scene(64, 64);
        const double sigma = 20.0 / 255;
        var noisy = clean + (randn(clean.shape, generator: new Generator(6)) * sigma);
        // A pilot that smoothed too much: a 5x5 mean of the noisy image (the detail the Wiener gains give back comes from noisy).
        var pilot = nn.functional.avg_pool2d(nn.functional.pad(noisy, new long[] { 2, 2, 2, 2 }, PaddingModes.Reflect), 5, 1);
        var filtered = CollaborativeWiener.Filter(noisy, pilot, full(1, 1, sigma));
        Mse(filtered, clean).Should().BeLessThan(0.8 * Mse(pilot, clean));
    }

    [Fact]
    public void Filter_NoiseLevelZeroWithTheInputAsPilot_ReturnsTheInput()
    {
        using var scope = NewDisposeScope();
        var image = rand(new long[] { 1, 1, 29, 40 }, generator: new Generator(7));
        var filtered = CollaborativeWiener.Filter(image, image, zeros(1, 1));
        (filtered - image).abs().max().ToDouble().Should().BeLessThan(1e-4, "every gain is 1 when nothing is noise");
    }

    [Fact]
    public void Filter_ConstantImage_StaysConstant_ScaledByTheGainOfItsOneCoefficient()
    {
        using var scope = NewDisposeScope();
        var image = full(new long[] { 1, 1, 20, 23 }, 0.4f);
        // All of a group's energy is in its one DC coefficient P = 0.4 * 8 * sqrt(32), kept with the gain P^2 / (P^2 + sigma^2).
        int k = BlockMatching.GroupSizeFor(13, 16, CollaborativeWiener.GroupSize);
        double dc = 0.4 * BlockMatching.PatchSize * Math.Sqrt(k), expected = 0.4 * dc * dc / ((dc * dc) + 0.01);
        // The transforms run in float32, 64 and 32 terms each way (a few ulps of 0.4); the sums over patches in float64.
        var filtered = CollaborativeWiener.Filter(image, image, full(1, 1, 0.1));
        (filtered - expected).abs().max().ToDouble().Should().BeLessThan(5e-6);
        (filtered - 0.4).abs().max().ToDouble().Should().BeGreaterThan(5e-6, "the gain is below 1: 0.4 itself is not the expected value");
    }

    [Theory]
    [InlineData(7, 30)]   // lower than a patch: the pilot comes back
    [InlineData(8, 8)]    // one patch, a group of one
    [InlineData(9, 41)]
    [InlineData(45, 11)]
    public void Filter_AnySize_KeepsTheShapeAndCoversEveryPixel(int h, int w)
    {
        using var scope = NewDisposeScope();
        var clean = Scene(h, w);
        var noisy = clean + (randn(clean.shape, generator: new Generator(8)) * 0.05);
        var pilot = clean + 0.01;
        var filtered = CollaborativeWiener.Filter(noisy, pilot, full(1, 1, 0.05));
        filtered.shape.Should().Equal(1, 1, h, w);
        filtered.isfinite().all().ToBoolean().Should().BeTrue();
        if (h < BlockMatching.PatchSize) (filtered - pilot).abs().max().ToDouble().Should().Be(0);
        else (filtered - pilot).abs().min().ToDouble().Should().BeGreaterThan(0, "every pixel gets the filter's estimate, not the pilot's fallback");
    }

    [Fact]
    public void Filter_Batch_EachImageAsAlone_ChannelsShareTheFirstChannelsGroups()
    {
        using var scope = NewDisposeScope();
        var clean = cat(new[] { Scene(40, 36), Scene(40, 36).flip(3), Scene(40, 36).flip(2) }, 1); // [1, 3, 40, 36]
        var batch = cat(new[] { clean, clean.flip(2) }, 0);
        var noisy = batch + (randn(batch.shape, generator: new Generator(9)) * 0.08);
        var pilot = batch + (randn(batch.shape, generator: new Generator(10)) * 0.02);
        var levels = tensor(new[,] { { 0.08f, 0.07f, 0.06f }, { 0.05f, 0.08f, 0.09f } });
        var together = CollaborativeWiener.Filter(noisy, pilot, levels);
        for (int b = 0; b < 2; b++)
        {
            var alone = CollaborativeWiener.Filter(noisy[b].unsqueeze(0), pilot[b].unsqueeze(0), levels[b].unsqueeze(0));
            (together[b] - alone[0]).abs().max().ToDouble().Should().BeLessThan(1e-6);
        }
        // The first channel alone is filtered the same way: the other channels take its groups and change nothing in it.
        var first = CollaborativeWiener.Filter(noisy.narrow(1, 0, 1), pilot.narrow(1, 0, 1), levels.narrow(1, 0, 1));
        (together.narrow(1, 0, 1) - first).abs().max().ToDouble().Should().BeLessThan(1e-6);
    }

    [Fact]
    public void Filter_InBands_EqualsOneBand()
    {
        using var scope = NewDisposeScope();
        var clean = cat(new[] { Scene(70, 66), Scene(70, 66).flip(3) }, 1);
        var noisy = clean + (randn(clean.shape, generator: new Generator(14)) * 0.1);
        var pilot = clean + (randn(clean.shape, generator: new Generator(15)) * 0.02);
        var levels = full(1, 2, 0.1);
        var whole = CollaborativeWiener.Filter(noisy, pilot, levels, referencesPerBand: 1 << 20);
        // 22 references per row: bands of one row, and of two rows plus a remainder.
        foreach (long band in new long[] { 1, 50 })
            (CollaborativeWiener.Filter(noisy, pilot, levels, band) - whole).abs().max().ToDouble().Should().BeLessThan(1e-6);
    }

    [Fact]
    public void Filter_MismatchedShapes_AreRefused()
    {
        using var scope = NewDisposeScope();
        var image = zeros(1, 1, 16, 16);
        FluentActions.Invoking(() => CollaborativeWiener.Filter(image, zeros(1, 1, 16, 15), zeros(1, 1))).Should().Throw<ArgumentException>().WithMessage("*one shape*");
        FluentActions.Invoking(() => CollaborativeWiener.Filter(image, image, zeros(1, 3))).Should().Throw<ArgumentException>().WithMessage("*noise level per image and channel*");
    }

    [Fact]
    public void Denoise_WienerRefinement_FiltersTheGrayOutputWithTheGivenLevel()
    {
        using var scope = NewDisposeScope();
        using var denoiser = DenoiserTests.RandomDenoiser(noiseLevelInput: true);
        var noisy = Scene(36, 40) + (randn(1, 1, 36, 40, generator: new Generator(11)) * 0.1);
        var options = Raw with { NoiseLevel = 25 };
        var plain = denoiser.Denoise(noisy, options);
        var refined = denoiser.Denoise(noisy, options with { WienerRefinement = true });
        var expected = CollaborativeWiener.Filter(noisy, plain, full(1, 1, 25.0 / 255));
        (refined - expected).abs().max().ToDouble().Should().BeLessThan(1e-5);
        (refined - plain).abs().max().ToDouble().Should().BeGreaterThan(1e-3, "the refinement must change the output for this test to mean anything");
    }

    [Fact]
    public void Denoise_HardThresholdingPilot_GroupsOnBm3dsFirstStage_AndTakesTheGainsFromBothPilots()
    {
        using var scope = NewDisposeScope();
        using var denoiser = DenoiserTests.RandomDenoiser(noiseLevelInput: true);
        var noisy = Scene(36, 40) + (randn(1, 1, 36, 40, generator: new Generator(16)) * 0.1);
        var options = Raw with { NoiseLevel = 25 };
        var plain = denoiser.Denoise(noisy, options);
        var levels = full(1, 1, 25.0 / 255);
        var estimate = CollaborativeHardThreshold.Filter(noisy, levels);
        var expected = CollaborativeWiener.Filter(noisy, new[] { plain, estimate }, estimate, levels);
        // The option turns the refinement on by itself.
        var refined = denoiser.Denoise(noisy, options with { HardThresholdingPilot = true });
        (refined - expected).abs().max().ToDouble().Should().BeLessThan(1e-5);
        (refined - denoiser.Denoise(noisy, options with { WienerRefinement = true })).abs().max().ToDouble()
            .Should().BeGreaterThan(1e-3, "the second pilot must change the output for this test to mean anything");
    }

    [Fact]
    public void Denoise_HardThresholdingPilot_ColorModel_FiltersInTheOpponentSpace()
    {
        using var scope = NewDisposeScope();
        using var denoiser = DenoiserTests.RandomDenoiser(channels: 3);
        var clean = cat(new[] { Scene(32, 36), Scene(32, 36).flip(3), Scene(32, 36).flip(2) }, 1);
        var noisy = clean + (randn(clean.shape, generator: new Generator(17)) * 0.1);
        var plain = denoiser.Denoise(noisy, Raw with { NoiseLevel = 20 });
        var refined = denoiser.Denoise(noisy, Raw with { NoiseLevel = 20, WienerRefinement = true, HardThresholdingPilot = true });
        var levels = full(1, 3, 20.0 / 255 * OpponentColor.NoiseScale);
        var planes = OpponentColor.FromRgb(noisy);
        var estimate = CollaborativeHardThreshold.Filter(planes, levels);
        var expected = OpponentColor.ToRgb(CollaborativeWiener.Filter(planes, new[] { OpponentColor.FromRgb(plain), estimate }, estimate, levels));
        (refined - expected).abs().max().ToDouble().Should().BeLessThan(1e-5);
    }

    [Fact]
    public void Denoise_WienerRefinement_ColorModel_FiltersInTheOpponentSpace()
    {
        using var scope = NewDisposeScope();
        using var denoiser = DenoiserTests.RandomDenoiser(channels: 3);
        var clean = cat(new[] { Scene(32, 36), Scene(32, 36).flip(3), Scene(32, 36).flip(2) }, 1);
        var noisy = clean + (randn(clean.shape, generator: new Generator(12)) * 0.1);
        var plain = denoiser.Denoise(noisy, Raw with { NoiseLevel = 20 });
        var refined = denoiser.Denoise(noisy, Raw with { NoiseLevel = 20, WienerRefinement = true });
        double level = 20.0 / 255 * OpponentColor.NoiseScale;
        var expected = OpponentColor.ToRgb(CollaborativeWiener.Filter(OpponentColor.FromRgb(noisy), OpponentColor.FromRgb(plain), full(1, 3, level)));
        (refined - expected).abs().max().ToDouble().Should().BeLessThan(1e-5);
    }

    [Fact]
    public void Denoise_WienerRefinement_GrayModelOnColor_FiltersTheOpponentPlanesTogether()
    {
        using var scope = NewDisposeScope();
        using var denoiser = DenoiserTests.RandomDenoiser(noiseLevelInput: true);
        var clean = cat(new[] { Scene(32, 36), Scene(32, 36).flip(3), Scene(32, 36).flip(2) }, 1);
        var noisy = clean + (randn(clean.shape, generator: new Generator(13)) * 0.1);
        var refined = denoiser.Denoise(noisy, Raw with { NoiseLevel = 20, WienerRefinement = true });
        // The pilot: each opponent plane through the model as a grayscale image at its level (taken from the planes themselves,
        // not from the RGB output: matching breaks exact ties between flat patches by rounding, so the pilot must be the same bits).
        double level = 20.0 / 255 * OpponentColor.NoiseScale;
        var planes = OpponentColor.FromRgb(noisy);
        var pilot = denoiser.Denoise(planes.reshape(3, 1, 32, 36), Raw with { NoiseLevel = 20 * OpponentColor.NoiseScale }).reshape(1, 3, 32, 36);
        var expected = OpponentColor.ToRgb(CollaborativeWiener.Filter(planes, pilot, full(1, 3, level)));
        (refined - expected).abs().max().ToDouble().Should().BeLessThan(1e-5);
        refined.shape.Should().Equal(1, 3, 32, 36);
    }
}
