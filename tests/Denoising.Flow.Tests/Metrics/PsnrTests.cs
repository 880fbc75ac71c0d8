using Denoising.Flow.Metrics;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Metrics;

public class PsnrTests
{
    [Fact]
    public void Psnr_ConstantOffsetOfOneTenth_IsTwentyDecibels()
    {
        using var reference = torch.full(new long[] { 3, 8, 8 }, 0.5, ScalarType.Float64);
        using var image = reference + 0.1;
        ImageQuality.Psnr(image, reference).Should().BeApproximately(20.0, 1e-9);
    }

    [Fact]
    public void Psnr_Peak255_ScalesAsExpected()
    {
        // Offset 5 on the 0..255 scale: 10*log10(255^2/25) = 20*log10(51).
        using var reference = torch.full(new long[] { 1, 4, 4 }, 100.0, ScalarType.Float64);
        using var image = reference - 5.0;
        ImageQuality.Psnr(image, reference, peak: 255).Should().BeApproximately(20 * Math.Log10(51), 1e-9);
    }

    [Fact]
    public void Psnr_IdenticalImages_IsPositiveInfinity()
    {
        using var x = torch.rand(3, 8, 8);
        ImageQuality.Psnr(x, x).Should().Be(double.PositiveInfinity);
    }

    [Fact]
    public void Psnr_Float32Inputs_ComputedInFloat64()
    {
        using var reference = torch.full(new long[] { 1, 8, 8 }, 0.5f);
        using var image = torch.full(new long[] { 1, 8, 8 }, 0.75f);
        // 0.5 and 0.75 are exact in float32: MSE = 1/16, PSNR = 10*log10(16).
        ImageQuality.Psnr(image, reference).Should().BeApproximately(10 * Math.Log10(16), 1e-12);
    }

    [Fact]
    public void PsnrBatch_PerImageOffsets_GivesPerImageValues()
    {
        using var reference = torch.zeros(new long[] { 3, 2, 4, 4 }, ScalarType.Float64);
        using var offsets = torch.tensor(new[] { 0.1, 0.01, 0.0 }, ScalarType.Float64).reshape(3, 1, 1, 1);
        using var images = reference + offsets;
        var psnr = ImageQuality.PsnrBatch(images, reference);
        psnr[0].Should().BeApproximately(20, 1e-9);
        psnr[1].Should().BeApproximately(40, 1e-9);
        psnr[2].Should().Be(double.PositiveInfinity);
    }

    [Fact]
    public void Psnr_ShapeMismatch_ThrowsNamingBothShapes()
    {
        using var a = torch.zeros(3, 8, 8);
        using var b = torch.zeros(3, 8, 9);
        var act = () => ImageQuality.Psnr(a, b);
        act.Should().Throw<ArgumentException>().WithMessage("Shapes must match: image is [3, 8, 8], reference is [3, 8, 9]*");
    }

    [Fact]
    public void PsnrBatch_ShapeMismatch_ThrowsNamingBothShapes()
    {
        using var a = torch.zeros(2, 3, 8, 8);
        using var b = torch.zeros(1, 3, 8, 8);
        var act = () => ImageQuality.PsnrBatch(a, b);
        act.Should().Throw<ArgumentException>().WithMessage("Shapes must match: images is [2, 3, 8, 8], references is [1, 3, 8, 8]*");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void Psnr_BadPeak_Throws(double peak)
    {
        using var a = torch.zeros(1, 2, 2);
        var act = () => ImageQuality.Psnr(a, a, peak);
        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("peak");
    }
}
