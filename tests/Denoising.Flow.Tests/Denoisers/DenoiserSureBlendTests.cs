using Denoising.Flow.Denoisers;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Denoisers;

public sealed class DenoiserSureBlendTests
{
    private static readonly DenoiseOptions Raw = new() { ClipOutput = false };

    /// <summary>The weight w with blended - plain = w (noisy - plain), and how far the difference is from that line.</summary>
    private static (double Weight, double OffLine) Along(Tensor blended, Tensor plain, Tensor noisy)
    {
        var residual = (noisy - plain).to(float64);
        var moved = (blended - plain).to(float64);
        double weight = (moved * residual).sum().ToDouble() / residual.square().sum().ToDouble();
        return (weight, (moved - (weight * residual)).abs().max().ToDouble());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Denoise_SureBlend_MovesEachImageTowardsItsInputByAWeightInTheUnitInterval(bool noiseLevelInput)
    {
        using var scope = NewDisposeScope();
        using var denoiser = DenoiserTests.RandomDenoiser(noiseLevelInput: noiseLevelInput);
        var clean = rand(new long[] { 2, 1, 40, 36 }, generator: new Generator(7)) * 0.3 + 0.35;
        var noisy = clean + (randn(clean.shape, generator: new Generator(8)) * tensor(new[] { 10f / 255, 30f / 255 }).view(2, 1, 1, 1));
        var plain = denoiser.Denoise(noisy, Raw);
        var blended = denoiser.Denoise(noisy, Raw with { SureBlend = true });
        var weights = new double[2];
        for (int i = 0; i < 2; i++)
        {
            var (weight, offLine) = Along(blended[i], plain[i], noisy[i]);
            weights[i] = weight;
            weight.Should().BeInRange(-1e-6, 1 + 1e-6);
            offLine.Should().BeLessThan(1e-5, "the blend only adds a share of the residual N - D");
            // Each image gets its own weight: the same image alone gives the same result as in the batch.
            (denoiser.Denoise(noisy[i], Raw with { SureBlend = true }) - blended[i]).abs().max().ToDouble().Should().BeLessThan(1e-5);
        }
        (denoiser.Denoise(noisy, Raw with { SureBlend = true }) - blended).abs().max().ToDouble().Should().Be(0, "the probe has a fixed seed");
        weights.Max().Should().BeGreaterThan(0.01, "the blend must give something back for this test to mean anything");
    }

    [Fact]
    public void Denoise_SureBlend_NoiseLevelZero_ReturnsTheInput()
    {
        using var scope = NewDisposeScope();
        using var denoiser = DenoiserTests.RandomDenoiser();
        var image = rand(new long[] { 1, 24, 24 }, generator: new Generator(9));
        (denoiser.Denoise(image, Raw) - image).abs().max().ToDouble().Should().BeGreaterThan(1e-3, "the network must change the image for this test to mean anything");
        (denoiser.Denoise(image, Raw with { SureBlend = true, NoiseLevel = 0 }) - image).abs().max().ToDouble().Should().BeLessThan(1e-6);
    }

    [Fact]
    public void Denoise_SureTuning_KeepsForEachImageTheCandidateLevelWithTheLowestRisk()
    {
        using var scope = NewDisposeScope();
        using var denoiser = DenoiserTests.RandomDenoiser(noiseLevelInput: true);
        var clean = rand(new long[] { 2, 1, 36, 36 }, generator: new Generator(17)) * 0.4 + 0.3;
        var noisy = clean + (randn(clean.shape, generator: new Generator(18)) * (20.0 / 255));
        var scales = new[] { 0.5, 1.0, 2.0 };
        var tuned = denoiser.Denoise(noisy, Raw with { NoiseLevel = 20, SureTuning = true, SureTuningScales = scales, SureTuningRadius = 0 });

        // The same computation by hand: each candidate level, its SURE with the image's own level and the fixed probe.
        using var generator = new Generator(SureRisk.ProbeSeed);
        var probe = randn(noisy.shape, generator: generator);
        var levels = full(2, 20.0 / 255);
        var steps = SureRisk.Steps(levels);
        var candidates = scales.Select(k => denoiser.Denoise(noisy, Raw with { NoiseLevel = 20 * k })).ToArray();
        var risks = scales.Select((k, i) => SureRisk.Measure(noisy, candidates[i], SureRisk.DivergenceMap(candidates[i], probe,
            denoiser.Denoise(noisy + (steps.view(-1, 1, 1, 1) * probe), Raw with { NoiseLevel = 20 * k }), steps), levels).Risk(zeros(2, dtype: float64))).ToArray();
        for (int image = 0; image < 2; image++)
        {
            int best = Enumerable.Range(0, scales.Length).MinBy(i => risks[i][image].ToDouble());
            (tuned[image] - candidates[best][image]).abs().max().ToDouble().Should().BeLessThan(1e-5, $"image {image} keeps scale {scales[best]}");
        }
        (candidates[0] - candidates[2]).abs().max().ToDouble().Should().BeGreaterThan(1e-3, "the candidates must differ for this test to mean anything");
    }

    [Fact]
    public void Denoise_SureTuning_NetworkWithoutANoiseLevelInput_IsIgnored()
    {
        using var scope = NewDisposeScope();
        using var denoiser = DenoiserTests.RandomDenoiser();
        var image = rand(new long[] { 1, 20, 20 }, generator: new Generator(19));
        (denoiser.Denoise(image, Raw with { SureTuning = true }) - denoiser.Denoise(image, Raw)).abs().max().ToDouble().Should().Be(0);
    }

    [Fact]
    public void Denoise_LocalSureTuning_EachPixelBlendsTheCandidatesItsWindowRatesBest()
    {
        using var scope = NewDisposeScope();
        using var denoiser = DenoiserTests.RandomDenoiser(noiseLevelInput: true);
        // Left half flat, right half textured: a random network's best level differs between them.
        var clean = cat(new[] { full(new long[] { 1, 1, 40, 24 }, 0.5), rand(new long[] { 1, 1, 40, 24 }, generator: new Generator(27)) * 0.6 + 0.2 }, 3);
        var noisy = clean + (randn(clean.shape, generator: new Generator(28)) * (20.0 / 255));
        var scales = new[] { 0.5, 1.0, 2.0 };
        const int radius = 3;
        var tuned = denoiser.Denoise(noisy, Raw with { NoiseLevel = 20, SureTuning = true, SureTuningScales = scales, SureTuningRadius = radius });

        // By hand: each candidate's windowed risk per pixel, the lowest one's index, its window's shares of each candidate.
        using var generator = new Generator(SureRisk.ProbeSeed);
        var probe = randn(noisy.shape, generator: generator);
        var levels = full(1, 20.0 / 255);
        var steps = SureRisk.Steps(levels);
        var candidates = scales.Select(k => denoiser.Denoise(noisy, Raw with { NoiseLevel = 20 * k })).ToArray();
        var risks = stack(scales.Select((k, i) => SureRisk.LocalRisk(noisy, candidates[i], SureRisk.DivergenceMap(candidates[i], probe,
            denoiser.Denoise(noisy + (steps.view(-1, 1, 1, 1) * probe), Raw with { NoiseLevel = 20 * k }), steps), zeros(1, dtype: float64), levels, radius)).ToArray());
        var choice = risks.argmin(0);
        var expected = zeros_like(noisy);
        for (int k = 0; k < scales.Length; k++)
            expected += SureRisk.WindowMean(choice.eq(k).to(float64), radius).to(float32) * candidates[k];

        (tuned - expected).abs().max().ToDouble().Should().BeLessThan(1e-5);
        choice.unique().output.shape[0].Should().BeGreaterThan(1, "the windows must choose differently for this test to mean anything");
        var perImage = denoiser.Denoise(noisy, Raw with { NoiseLevel = 20, SureTuning = true, SureTuningScales = scales, SureTuningRadius = 0 });
        (tuned - perImage).abs().max().ToDouble().Should().BeGreaterThan(1e-4, "radius 0 is the per-image choice, a different result");
    }

    [Fact]
    public void LocalRisk_SumsToTheImagesRisk_AndWindowMeanAveragesTheMirroredNeighbourhood()
    {
        using var scope = NewDisposeScope();
        var noisy = rand(new long[] { 2, 3, 9, 11 }, generator: new Generator(31));
        var denoised = rand(noisy.shape, generator: new Generator(32));
        var divergence = rand(noisy.shape, generator: new Generator(33), dtype: float64);
        var sigmas = tensor(new[] { 0.05, 0.2 });
        var beta = tensor(new[] { 0.3, 0.0 }, dtype: float64);
        var perPixel = SureRisk.LocalRisk(noisy, denoised, divergence, beta, sigmas, radius: 0);
        perPixel.shape.Should().Equal(2, 1, 9, 11);
        var images = SureRisk.Measure(noisy, denoised, divergence, sigmas).Risk(beta);
        (perPixel.sum(new long[] { 1, 2, 3 }) - images).abs().max().ToDouble().Should().BeLessThan(1e-9, "SURE per pixel adds up to the image's SURE");

        var map = rand(new long[] { 1, 1, 6, 7 }, generator: new Generator(34), dtype: float64);
        var mean = SureRisk.WindowMean(map, 2);
        double[,] m = new double[6, 7];
        for (int i = 0; i < 6; i++) for (int j = 0; j < 7; j++) m[i, j] = map[0, 0, i, j].ToDouble();
        static int Mirror(int i, int n) => i < 0 ? -i : i >= n ? (2 * n) - 2 - i : i;
        foreach (var (i, j) in new[] { (0, 0), (2, 3), (5, 6), (1, 5) })
        {
            double sum = 0;
            for (int di = -2; di <= 2; di++) for (int dj = -2; dj <= 2; dj++) sum += m[Mirror(i + di, 6), Mirror(j + dj, 7)];
            mean[0, 0, i, j].ToDouble().Should().BeApproximately(sum / 25, 1e-12);
        }
        SureRisk.WindowMean(map, 9).shape.Should().Equal(new long[] { 1, 1, 6, 7 }, "a window larger than the image repeats its edges");
        (SureRisk.WindowMean(full(new long[] { 1, 1, 3, 2 }, 0.7, dtype: float64), 9) - 0.7).abs().max().ToDouble().Should().BeLessThan(1e-12);
    }

    [Fact]
    public void Denoise_SureTuningRadiusOutOfRange_Throws()
    {
        using var scope = NewDisposeScope();
        using var denoiser = DenoiserTests.RandomDenoiser(noiseLevelInput: true);
        foreach (int radius in new[] { -1, 257 })
            ((Action)(() => denoiser.Denoise(rand(1, 8, 8), new DenoiseOptions { SureTuning = true, SureTuningRadius = radius })))
                .Should().Throw<ArgumentOutOfRangeException>().WithMessage("*SureTuningRadius*");
        DenoiseOptions.Default.SureTuningRadius.Should().Be(8);
    }

    [Fact]
    public void Denoise_SureTuningScalesEmptyOrNotPositive_Throws()
    {
        using var scope = NewDisposeScope();
        using var denoiser = DenoiserTests.RandomDenoiser(noiseLevelInput: true);
        foreach (var scales in new[] { Array.Empty<double>(), new[] { 1.0, 0.0 }, new[] { double.NaN } })
            ((Action)(() => denoiser.Denoise(rand(1, 8, 8), new DenoiseOptions { SureTuning = true, SureTuningScales = scales })))
                .Should().Throw<ArgumentOutOfRangeException>().WithMessage("*SureTuningScales*");
        DenoiseOptions.DefaultSureTuningScales.Should().Equal(0.6, 0.8, 1.0, 1.25, 1.6);
        DenoiseOptions.Default.SureTuningScales.Should().Equal(DenoiseOptions.DefaultSureTuningScales, "the shared default instance gets them too");
    }

    [Fact]
    public void Denoise_SureBlend_GrayscaleModelOnColor_StaysOnTheLineFromEachOpponentChannelToTheInput()
    {
        // That each channel gets its own weight is checked with the shipped model (ShippedModelTests): a random network is
        // worse than no denoising, so SURE gives every channel all of its input back (weight 1).
        using var scope = NewDisposeScope();
        using var denoiser = DenoiserTests.RandomDenoiser();
        var image = rand(new long[] { 3, 30, 26 }, generator: new Generator(15)) * 0.5 + 0.25;
        var options = Raw with { NoiseLevel = 20 };
        var (plain, blended, noisy) = OpponentPlanes(denoiser, image, options);
        foreach (var (weight, offLine) in Enumerable.Range(0, 3).Select(c => Along(blended[c], plain[c], noisy[c])))
        {
            offLine.Should().BeLessThan(1e-5, "each opponent channel is D + beta (N - D)");
            weight.Should().BeInRange(-1e-6, 1 + 1e-6);
        }
    }

    /// <summary>The opponent channels [3, H, W] of the plain output, of the SURE-blended output and of the input.</summary>
    internal static (Tensor Plain, Tensor Blended, Tensor Noisy) OpponentPlanes(Denoiser denoiser, Tensor image, DenoiseOptions options)
    {
        static Tensor Planes(Tensor rgb) => Denoising.Flow.Imaging.OpponentColor.FromRgb(rgb.unsqueeze(0)).squeeze(0);
        return (Planes(denoiser.Denoise(image, options)), Planes(denoiser.Denoise(image, options with { SureBlend = true })), Planes(image));
    }

    /// <summary>The weight w with blended - plain = w (noisy - plain), and how far the difference is from that line.</summary>
    internal static (double Weight, double OffLine) AlongLine(Tensor blended, Tensor plain, Tensor noisy) => Along(blended, plain, noisy);

    [Fact]
    public void Denoise_SureBlend_ImageTooSmallToEstimateTheNoise_AsksForTheNoiseLevel()
    {
        using var scope = NewDisposeScope();
        using var denoiser = DenoiserTests.RandomDenoiser();
        denoiser.Denoise(rand(1, 1, 8)).shape.Should().Equal(new long[] { 1, 1, 8 }, "without the blend this model needs no noise level");
        ((Action)(() => denoiser.Denoise(rand(1, 1, 8), new DenoiseOptions { SureBlend = true }))).Should().Throw<ArgumentException>().WithMessage("*NoiseLevel*SureBlend*");
        denoiser.Denoise(rand(1, 1, 8), new DenoiseOptions { SureBlend = true, NoiseLevel = 10 }).shape.Should().Equal(1, 1, 8);
    }
}
