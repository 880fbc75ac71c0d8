using Denoising.Flow.Noise;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Noise;

public class NoiseLevelEstimatorTests(ITestOutputHelper output)
{
    // A 128x128x3 image gives n = 64*64*3 = 12288 HH coefficients; the MAD estimator's relative standard error
    // is about 1.17/sqrt(n) = 1.05%, so 10% is about 10 standard errors; the +1 (on 0..255) absorbs the small
    // upward bias from the smooth content, which matters only at low noise.
    [Theory]
    [InlineData(5.0)]
    [InlineData(15.0)]
    [InlineData(25.0)]
    [InlineData(50.0)]
    public void Estimate_SmoothImagePlusAwgn_IsWithinTenPercentPlusOne(double sigma255)
    {
        using var clean = SmoothImages.Make(3, 128, 128);
        using var noisy = GaussianNoise.Fixed(sigma255).Apply(clean, 2020);
        double estimate = NoiseLevelEstimator.Estimate(noisy.Noisy);
        output.WriteLine($"sigma {sigma255}: estimate {estimate:F3}");
        estimate.Should().BeApproximately(sigma255, 0.1 * sigma255 + 1);
    }

    [Fact]
    public void Estimate_CleanSmoothImage_IsNearZero()
    {
        using var clean = SmoothImages.Make(3, 128, 128);
        double estimate = NoiseLevelEstimator.Estimate(clean);
        output.WriteLine($"clean: estimate {estimate:F4}");
        estimate.Should().BeLessThan(0.5);
    }

    [Fact]
    public void Estimate_PureNoise_IsWithinFivePercent()
    {
        using var zeros = torch.zeros(new long[] { 3, 128, 128 }, ScalarType.Float64);
        using var noisy = GaussianNoise.Fixed(30).Apply(zeros, 8);
        NoiseLevelEstimator.Estimate(noisy.Noisy).Should().BeApproximately(30, 1.5);
    }

    [Fact]
    public void Estimate_HaarBandOfKnownBlock_IsMedianOverMad()
    {
        // One 2x2 block [[a,b],[c,d]] = [[1,0],[0,1]] / 255 * 0.6745 * 2 gives HH = 0.6745*2/255, so sigma = 2.
        double v = 0.6745 * 2 / 255;
        using var img = torch.tensor(new[] { v, 0, 0, v }, new long[] { 1, 2, 2 }, ScalarType.Float64);
        NoiseLevelEstimator.Estimate(img).Should().BeApproximately(2.0, 1e-12);
    }

    [Fact]
    public void EstimateBatch_MatchesPerImageEstimates()
    {
        using var clean = torch.rand(3, 2, 20, 21);
        using var noisy = GaussianNoise.Range(5, 50).Apply(clean, 1);
        var batch = NoiseLevelEstimator.EstimateBatch(noisy.Noisy);
        batch.Should().HaveCount(3);
        for (int b = 0; b < 3; b++)
        {
            using var img = noisy.Noisy[b];
            batch[b].Should().BeApproximately(NoiseLevelEstimator.Estimate(img), 1e-9);
        }
    }

    [Fact]
    public void Estimate_TooSmall_Throws()
    {
        using var img = torch.zeros(1, 1, 5);
        var act = () => NoiseLevelEstimator.Estimate(img);
        act.Should().Throw<ArgumentException>().WithMessage("*at least 2*1x5*");
    }

    [Fact]
    public void EstimateBatch_Image_ThrowsForRank()
    {
        using var img = torch.zeros(1, 4, 4);
        var act = () => NoiseLevelEstimator.EstimateBatch(img);
        act.Should().Throw<ArgumentException>().WithMessage("Expected a batch [B,C,H,W]*");
    }
}
