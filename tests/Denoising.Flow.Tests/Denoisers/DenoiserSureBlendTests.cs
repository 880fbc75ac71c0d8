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
        for (int i = 0; i < 2; i++)
        {
            var (weight, offLine) = Along(blended[i], plain[i], noisy[i]);
            weight.Should().BeInRange(-1e-6, 1 + 1e-6);
            offLine.Should().BeLessThan(1e-5, "the blend only adds a share of the residual N - D");
            // Each image gets its own weight: the same image alone gives the same result as in the batch.
            (denoiser.Denoise(noisy[i], Raw with { SureBlend = true }) - blended[i]).abs().max().ToDouble().Should().BeLessThan(1e-5);
        }
        (denoiser.Denoise(noisy, Raw with { SureBlend = true }) - blended).abs().max().ToDouble().Should().Be(0, "the probe has a fixed seed");
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
    public void Denoise_SureBlend_GrayscaleModelOnColor_BlendsEachOpponentChannel()
    {
        using var scope = NewDisposeScope();
        using var denoiser = DenoiserTests.RandomDenoiser();
        var image = rand(new long[] { 3, 30, 26 }, generator: new Generator(15)) * 0.5 + 0.25;
        var result = denoiser.Denoise(image, Raw with { SureBlend = true, NoiseLevel = 20 });
        result.shape.Should().Equal(3, 30, 26);
        result.isfinite().all().ToBoolean().Should().BeTrue();
    }

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
