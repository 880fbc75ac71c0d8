using Denoising.Flow.Denoisers;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Denoisers;

public sealed class CollaborativeHardThresholdTests
{
    private static double Mse(Tensor a, Tensor b) => (a.to(float64) - b.to(float64)).square().mean().ToDouble();

    private static Tensor Mean(Tensor image, int side) =>
        nn.functional.avg_pool2d(nn.functional.pad(image, new long[] { side / 2, side / 2, side / 2, side / 2 }, PaddingModes.Reflect), side, 1);

    [Fact]
    public void Filter_ConstantImage_ComesBackExactly()
    {
        using var scope = NewDisposeScope();
        // Every coefficient but the group's mean is zero, so every group keeps exactly its mean and gives back the constant.
        var image = full(new long[] { 1, 1, 21, 26 }, 0.35f);
        var filtered = CollaborativeHardThreshold.Filter(image, full(1, 1, 0.1));
        (filtered - 0.35).abs().max().ToDouble().Should().BeLessThan(1e-6);
    }

    [Fact]
    public void Filter_NoiseFree_KeepsTheImage()
    {
        using var scope = NewDisposeScope();
        // At the lowest level (1e-4) only coefficients below 2.7e-4 go: the image comes back within a few of those.
        var image = CollaborativeWienerTests.Scene(30, 41);
        var filtered = CollaborativeHardThreshold.Filter(image, zeros(1, 1));
        (filtered - image).abs().max().ToDouble().Should().BeLessThan(1e-3);
    }

    [Fact]
    public void Filter_RemovesMostOfTheNoise_AndKeepsARepeatedTextureAMeanFilterLoses()
    {
        using var scope = NewDisposeScope();
        // Stripes of period 4 over the whole image: grouping lines them up, so they stand out of the noise in few coefficients.
        var x = arange(64, dtype: float32).view(1, 64);
        var clean = (0.5 + (0.2 * sin(x * (Math.PI / 2)))).expand(64, 64).reshape(1, 1, 64, 64);
        const double sigma = 25.0 / 255;
        var noisy = clean + (randn(clean.shape, generator: new Generator(21)) * sigma);
        var filtered = CollaborativeHardThreshold.Filter(noisy, full(1, 1, sigma));
        Mse(filtered, clean).Should().BeLessThan(0.1 * sigma * sigma);
        Mse(filtered, clean).Should().BeLessThan(0.25 * Mse(Mean(noisy, 3), clean), "a 3x3 mean blurs the stripes away");
    }

    [Fact]
    public void Filter_IsAGoodPilotForTheWienerStage()
    {
        using var scope = NewDisposeScope();
        // BM3D's two stages: the Wiener stage with the hard-thresholding estimate as its pilot improves on that estimate.
        var clean = CollaborativeWienerTests.Scene(64, 64);
        const double sigma = 20.0 / 255;
        var noisy = clean + (randn(clean.shape, generator: new Generator(22)) * sigma);
        var levels = full(1, 1, sigma);
        var pilot = CollaborativeHardThreshold.Filter(noisy, levels);
        Mse(pilot, clean).Should().BeLessThan(0.25 * sigma * sigma);
        Mse(CollaborativeWiener.Filter(noisy, pilot, levels), clean).Should().BeLessThan(Mse(pilot, clean));
    }

    [Theory]
    [InlineData(7, 30)]   // lower than a patch: comes back as it is
    [InlineData(8, 8)]
    [InlineData(13, 40)]
    public void Filter_AnySize_KeepsTheShape(int h, int w)
    {
        using var scope = NewDisposeScope();
        var noisy = CollaborativeWienerTests.Scene(h, w) + (randn(1, 1, h, w, generator: new Generator(23)) * 0.05);
        var filtered = CollaborativeHardThreshold.Filter(noisy, full(1, 1, 0.05));
        filtered.shape.Should().Equal(1, 1, h, w);
        filtered.isfinite().all().ToBoolean().Should().BeTrue();
        if (h < BlockMatching.PatchSize) (filtered - noisy).abs().max().ToDouble().Should().Be(0);
        else (filtered - noisy).abs().max().ToDouble().Should().BeGreaterThan(0.01, "the noise is filtered");
    }
}
