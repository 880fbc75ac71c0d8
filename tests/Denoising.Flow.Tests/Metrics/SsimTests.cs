using Denoising.Flow.Metrics;
using Denoising.Flow.Noise;
using Denoising.Flow.Tests.Noise;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Metrics;

public class SsimTests
{
    /// <summary>Brute-force single-channel SSIM by loops, straight from Wang et al. (2004), 'valid' windows.</summary>
    private static double ReferenceSsim(double[,] x, double[,] y)
    {
        const int k = 11;
        const double sigma = 1.5, c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
        var win = new double[k, k];
        double z = 0;
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
            {
                win[i, j] = Math.Exp(-((i - 5) * (i - 5) + (j - 5) * (j - 5)) / (2 * sigma * sigma));
                z += win[i, j];
            }
        }

        int h = x.GetLength(0), w = x.GetLength(1);
        double total = 0;
        int count = 0;
        for (int r = 0; r + k <= h; r++)
        {
            for (int c = 0; c + k <= w; c++)
            {
                double mx = 0, my = 0;
                for (int i = 0; i < k; i++)
                {
                    for (int j = 0; j < k; j++)
                    {
                        mx += win[i, j] / z * x[r + i, c + j];
                        my += win[i, j] / z * y[r + i, c + j];
                    }
                }

                double vx = 0, vy = 0, cxy = 0;
                for (int i = 0; i < k; i++)
                {
                    for (int j = 0; j < k; j++)
                    {
                        double wt = win[i, j] / z, dx = x[r + i, c + j] - mx, dy = y[r + i, c + j] - my;
                        vx += wt * dx * dx;
                        vy += wt * dy * dy;
                        cxy += wt * dx * dy;
                    }
                }

                total += (2 * mx * my + c1) * (2 * cxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
                count++;
            }
        }

        return total / count;
    }

    private static double[,] ToArray(Tensor plane)
    {
        using var p = plane.to(ScalarType.Float64).contiguous();
        var d = p.data<double>().ToArray();
        int h = (int)p.shape[0], w = (int)p.shape[1];
        var a = new double[h, w];
        for (int i = 0; i < h; i++)
        {
            for (int j = 0; j < w; j++)
            {
                a[i, j] = d[i * w + j];
            }
        }

        return a;
    }

    [Fact]
    public void Ssim_IdenticalImages_IsOne()
    {
        using var x = torch.rand(3, 16, 16);
        ImageQuality.Ssim(x, x).Should().BeApproximately(1.0, 1e-12);
    }

    [Fact]
    public void Ssim_ConstantImageVsShiftedCopy_MatchesLuminanceClosedForm()
    {
        // Constant a vs a + c: every window has variance 0 and covariance 0, so SSIM = (2a(a+c)+C1)/(a^2+(a+c)^2+C1).
        using var x = torch.full(new long[] { 1, 12, 12 }, 0.5, ScalarType.Float64);
        using var y = x + 0.1;
        double c1 = 1e-4, expected = (2 * 0.5 * 0.6 + c1) / (0.25 + 0.36 + c1);
        ImageQuality.Ssim(y, x).Should().BeApproximately(expected, 1e-12); // 0.983609...
    }

    [Fact]
    public void Ssim_TexturedImageVsShiftedCopy_OnlyLuminanceTermLowersIt()
    {
        using var gen = new torch.Generator(4);
        using var x = torch.rand(new long[] { 1, 13, 12 }, ScalarType.Float64, generator: gen).mul(0.8);
        using var y = x + 0.2;
        double actual = ImageQuality.Ssim(y, x);
        actual.Should().BeApproximately(ReferenceSsim(ToArray(y[0]), ToArray(x[0])), 1e-12);
        actual.Should().BeLessThan(1.0).And.BeGreaterThan(0.9);
    }

    [Fact]
    public void Ssim_RandomPair_MatchesBruteForceReference()
    {
        using var gen = new torch.Generator(5);
        using var x = torch.rand(new long[] { 1, 14, 13 }, ScalarType.Float64, generator: gen);
        using var y = torch.rand(new long[] { 1, 14, 13 }, ScalarType.Float64, generator: gen);
        ImageQuality.Ssim(x, y).Should().BeApproximately(ReferenceSsim(ToArray(x[0]), ToArray(y[0])), 1e-12);
    }

    [Fact]
    public void Ssim_Color_IsMeanOverChannels()
    {
        using var gen = new torch.Generator(6);
        using var x = torch.rand(new long[] { 3, 12, 12 }, ScalarType.Float64, generator: gen);
        using var y = torch.rand(new long[] { 3, 12, 12 }, ScalarType.Float64, generator: gen);
        double mean = Enumerable.Range(0, 3).Average(c => ReferenceSsim(ToArray(x[c]), ToArray(y[c])));
        ImageQuality.Ssim(x, y).Should().BeApproximately(mean, 1e-12);
    }

    [Fact]
    public void Ssim_IsSymmetric()
    {
        using var x = torch.rand(2, 12, 15);
        using var y = torch.rand(2, 12, 15);
        ImageQuality.Ssim(x, y).Should().BeApproximately(ImageQuality.Ssim(y, x), 1e-14);
    }

    [Fact]
    public void Ssim_MoreNoise_DecreasesSsim()
    {
        using var clean = SmoothImages.Make(3, 48, 48);
        var values = new[] { 5.0, 15.0, 30.0, 60.0 }.Select(s =>
        {
            using var noisy = GaussianNoise.Fixed(s).Apply(clean, 17);
            return ImageQuality.Ssim(noisy.Noisy, clean);
        }).ToArray();
        values.Should().BeInDescendingOrder().And.OnlyHaveUniqueItems();
        values[0].Should().BeLessThan(1.0);
    }

    [Fact]
    public void SsimBatch_MatchesPerImageSsim()
    {
        using var x = torch.rand(3, 2, 12, 12);
        using var y = torch.rand(3, 2, 12, 12);
        var batch = ImageQuality.SsimBatch(x, y);
        batch.Should().HaveCount(3);
        for (int b = 0; b < 3; b++)
        {
            batch[b].Should().BeApproximately(ImageQuality.Ssim(x[b], y[b]), 1e-14);
        }
    }

    [Fact]
    public void Ssim_Float32Input_AgreesWithFloat64()
    {
        using var x = torch.rand(1, 12, 12);
        using var y = torch.rand(1, 12, 12);
        using var x64 = x.to(ScalarType.Float64);
        using var y64 = y.to(ScalarType.Float64);
        ImageQuality.Ssim(x, y).Should().Be(ImageQuality.Ssim(x64, y64));
    }

    [Fact]
    public void Ssim_ShapeMismatch_ThrowsNamingBothShapes()
    {
        using var a = torch.zeros(3, 16, 16);
        using var b = torch.zeros(1, 16, 16);
        var act = () => ImageQuality.Ssim(a, b);
        act.Should().Throw<ArgumentException>().WithMessage("Shapes must match: image is [3, 16, 16], reference is [1, 16, 16]*");
    }

    [Fact]
    public void SsimBatch_ShapeMismatch_ThrowsNamingBothShapes()
    {
        using var a = torch.zeros(2, 1, 16, 16);
        using var b = torch.zeros(2, 1, 16, 17);
        var act = () => ImageQuality.SsimBatch(a, b);
        act.Should().Throw<ArgumentException>().WithMessage("Shapes must match: images is [2, 1, 16, 16], references is [2, 1, 16, 17]*");
    }

    [Theory]
    [InlineData(10, 20)]
    [InlineData(20, 10)]
    public void Ssim_SmallerThanWindow_Throws(int h, int w)
    {
        using var a = torch.zeros(1, h, w);
        var act = () => ImageQuality.Ssim(a, a);
        act.Should().Throw<ArgumentException>().WithMessage($"SSIM needs images of at least 11x11; got {h}x{w} (HxW)*");
    }

    [Fact]
    public void Ssim_Batch_ThrowsForRank()
    {
        using var a = torch.zeros(1, 1, 16, 16);
        var act = () => ImageQuality.Ssim(a, a);
        act.Should().Throw<ArgumentException>().WithMessage("Expected an image [C,H,W]*");
    }
}
