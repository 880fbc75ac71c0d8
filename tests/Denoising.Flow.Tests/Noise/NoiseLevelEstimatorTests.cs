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

    // The estimator takes the median by selection (kthvalue) over |HH| computed in float64 chunks; this is the full-sort
    // formula it replaced, kept here as the reference: the results must be bit-for-bit the same.
    private static double[] FullSortReference(Tensor batch)
    {
        using var scope = NewDisposeScope();
        long h = batch.shape[2] / 2 * 2, w = batch.shape[3] / 2 * 2;
        var x = batch.to(ScalarType.Float64);
        var a = x[.., .., TensorIndex.Slice(0, h, 2), TensorIndex.Slice(0, w, 2)];
        var b = x[.., .., TensorIndex.Slice(0, h, 2), TensorIndex.Slice(1, w, 2)];
        var c = x[.., .., TensorIndex.Slice(1, h, 2), TensorIndex.Slice(0, w, 2)];
        var d = x[.., .., TensorIndex.Slice(1, h, 2), TensorIndex.Slice(1, w, 2)];
        var sorted = (a - b - c + d).div(2.0).abs().reshape(batch.shape[0], -1).sort(dim: 1).Values;
        long n = sorted.shape[1];
        var median = n % 2 == 1 ? sorted[.., n / 2] : (sorted[.., (n / 2) - 1] + sorted[.., n / 2]).div(2.0);
        return median.mul(255.0 / NoiseLevelEstimator.MadOfStandardNormal).cpu().data<double>().ToArray();
    }

    [Theory]
    [InlineData(1, 1, 64, 64, 1L << 22)]   // n even, one chunk
    [InlineData(2, 3, 51, 77, 1L << 22)]   // odd sizes (last row and column ignored), n = 25*38*3 even
    [InlineData(3, 1, 30, 18, 7L)]         // n = 15*9 = 135 odd, many chunks of one block row
    [InlineData(2, 3, 101, 66, 500L)]      // several chunks, channels pooled
    public void EstimateBatch_SelectionMedian_EqualsTheFullSortMedian(int batch, int channels, int height, int width, long chunkValues)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(42 + (ulong)height);
        var images = (rand(new long[] { batch, channels, height, width }, generator: generator) * 0.6 + 0.2
            + randn(new long[] { batch, channels, height, width }, generator: generator) * 0.05);
        var reference = FullSortReference(images);

        NoiseLevelEstimator.EstimateBatch(images, chunkValues).Should().Equal(reference);
        NoiseLevelEstimator.EstimateBatch(images).Should().Equal(reference);
        NoiseLevelEstimator.Estimate(images[0]).Should().Be(reference[0]);
    }
}
