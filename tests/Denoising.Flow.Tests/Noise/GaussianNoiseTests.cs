using Denoising.Flow.Noise;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Noise;

public class GaussianNoiseTests
{
    private static bool Same(Tensor a, Tensor b) => a.eq(b).all().item<bool>();

    [Fact]
    public void Apply_SameSeed_IsBitIdentical()
    {
        using var clean = torch.rand(4, 3, 16, 16);
        var noise = GaussianNoise.Range(5, 50);
        using var first = noise.Apply(clean, 1234);
        using var second = noise.Apply(clean, 1234);
        Same(first.Noisy, second.Noisy).Should().BeTrue();
        first.Sigmas255.Should().Equal(second.Sigmas255);
    }

    [Fact]
    public void Apply_DifferentSeeds_Differ()
    {
        using var clean = torch.rand(2, 3, 16, 16);
        var noise = GaussianNoise.Fixed(25);
        using var first = noise.Apply(clean, 1);
        using var second = noise.Apply(clean, 2);
        Same(first.Noisy, second.Noisy).Should().BeFalse();
    }

    [Fact]
    public void Apply_GeneratorOverload_MatchesSeedOverloadAndAdvances()
    {
        using var clean = torch.rand(2, 1, 8, 8);
        var noise = GaussianNoise.Range(5, 50);
        using var bySeed = noise.Apply(clean, 99);
        using var gen = new torch.Generator(99);
        using var byGen = noise.Apply(clean, gen);
        using var byGenAgain = noise.Apply(clean, gen);
        Same(bySeed.Noisy, byGen.Noisy).Should().BeTrue();
        Same(byGen.Noisy, byGenAgain.Noisy).Should().BeFalse();
    }

    [Fact]
    public void Apply_DoesNotUseGlobalGenerator()
    {
        using var clean = torch.rand(1, 8, 8);
        using var a = GaussianNoise.Fixed(10).Apply(clean, 7);
        using (torch.randn(100))
        {
            // Advances the global generator; a seeded Apply must not notice.
        }

        using var b = GaussianNoise.Fixed(10).Apply(clean, 7);
        Same(a.Noisy, b.Noisy).Should().BeTrue();
    }

    [Theory]
    [InlineData(5.0)]
    [InlineData(25.0)]
    [InlineData(75.0)]
    public void Apply_LargeTensor_EmpiricalStdMatchesSigmaOver255(double sigma255)
    {
        // n = 262144 samples: the standard error of the sample std is s/sqrt(2n) = 0.14% of s and that of the
        // mean is s/sqrt(n) = 0.2% of s; tolerances are 5 standard errors.
        using var clean = torch.full(new long[] { 1, 1, 512, 512 }, 0.5, ScalarType.Float64);
        using var noisy = GaussianNoise.Fixed(sigma255).Apply(clean, 42);
        using var diff = noisy.Noisy - clean;
        double s = sigma255 / 255.0, n = 512 * 512;
        diff.std().item<double>().Should().BeApproximately(s, 5 * s / Math.Sqrt(2 * n));
        diff.mean().item<double>().Should().BeApproximately(0, 5 * s / Math.Sqrt(n));
        noisy.Sigmas255.Should().Equal(sigma255);
    }

    [Fact]
    public void Apply_RangeMode_PerImageSigmasInRangeDistinctAndApplied()
    {
        // Each image has n = 16384 samples: the std's standard error is 0.55% of sigma; tolerance 5 of them.
        using var clean = torch.full(new long[] { 8, 1, 128, 128 }, 0.5, ScalarType.Float64);
        using var noisy = GaussianNoise.Range(10, 40).Apply(clean, 3);
        noisy.Sigmas255.Should().HaveCount(8).And.OnlyContain(s => s >= 10 && s < 40);
        noisy.Sigmas255.Distinct().Should().HaveCount(8);
        for (int b = 0; b < 8; b++)
        {
            using var diff = noisy.Noisy[b] - clean[b];
            double s = noisy.Sigmas255[b] / 255.0;
            diff.std().item<double>().Should().BeApproximately(s, 5 * s / Math.Sqrt(2 * 16384));
        }
    }

    [Fact]
    public void Apply_ClipMode_OutputInUnitRangeOn8BitGrid()
    {
        using var clean = torch.rand(2, 3, 32, 32);
        using var noisy = GaussianNoise.Fixed(60, clip: true).Apply(clean, 11);
        noisy.Noisy.min().item<float>().Should().Be(0f);
        noisy.Noisy.max().item<float>().Should().Be(1f);
        using var scaled = noisy.Noisy.to(ScalarType.Float64).mul(255.0);
        scaled.sub(scaled.round()).abs().max().item<double>().Should().BeLessThan(1e-4);
    }

    [Fact]
    public void Apply_DefaultNoClip_ExceedsUnitRange()
    {
        using var clean = torch.rand(2, 3, 32, 32);
        using var noisy = GaussianNoise.Fixed(60).Apply(clean, 11);
        noisy.Noisy.min().item<float>().Should().BeLessThan(0f);
        noisy.Noisy.max().item<float>().Should().BeGreaterThan(1f);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void Apply_Image_KeepsShapeDtypeDeviceAndGivesOneSigma(ScalarType dtype)
    {
        using var clean = torch.rand(new long[] { 3, 10, 12 }, dtype);
        using var noisy = GaussianNoise.Fixed(15).Apply(clean, 0);
        noisy.Noisy.shape.Should().Equal(3, 10, 12);
        noisy.Noisy.dtype.Should().Be(dtype);
        noisy.Noisy.device.type.Should().Be(DeviceType.CPU);
        noisy.Sigmas255.Should().Equal(15.0);
    }

    [Fact]
    public void Apply_ZeroSigma_ReturnsInputValuesAndLeavesInputUntouched()
    {
        using var clean = torch.rand(1, 3, 8, 8);
        using var copy = clean.clone();
        using var noisy = GaussianNoise.Fixed(0).Apply(clean, 5);
        Same(noisy.Noisy, clean).Should().BeTrue();
        Same(clean, copy).Should().BeTrue();
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Fixed_BadSigma_Throws(double sigma)
    {
        var act = () => GaussianNoise.Fixed(sigma);
        act.Should().Throw<ArgumentException>().WithMessage("Noise level must be finite and >= 0*")
            .Which.ParamName.Should().Be("sigma255");
    }

    [Fact]
    public void Range_MaxBelowMin_ThrowsNamingBoth()
    {
        var act = () => GaussianNoise.Range(30, 20);
        act.Should().Throw<ArgumentException>().WithMessage("maxSigma255 (20) must be >= minSigma255 (30)*")
            .Which.ParamName.Should().Be("maxSigma255");
    }

    [Fact]
    public void Apply_WrongRank_Throws()
    {
        using var t = torch.rand(8, 8);
        var act = () => GaussianNoise.Fixed(5).Apply(t, 1);
        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("images");
    }
}
