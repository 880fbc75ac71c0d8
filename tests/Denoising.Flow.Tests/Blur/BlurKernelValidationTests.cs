using Denoising.Flow.Blur;
using FluentAssertions;
using TorchSharp;
using Xunit;

namespace Denoising.Flow.Tests.Blur;

public class BlurKernelValidationTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Gaussian_BadSigma_ThrowsNamingSigma(double sigma)
    {
        var act = () => new GaussianBlurKernel(sigma);
        act.Should().Throw<ArgumentException>().WithMessage("Gaussian sigma must be finite and > 0*")
            .Which.ParamName.Should().Be("sigma");
    }

    [Theory]
    [InlineData(4)]
    [InlineData(0)]
    [InlineData(-3)]
    public void Gaussian_BadSize_ThrowsNamingSizeAndValue(int size)
    {
        var act = () => new GaussianBlurKernel(1.0, size);
        act.Should().Throw<ArgumentException>().WithMessage($"*must be odd*(got {size})*")
            .Which.ParamName.Should().Be("size");
    }

    [Fact]
    public void Gaussian_HugeSigmaDefaultSize_Throws()
    {
        var act = () => new GaussianBlurKernel(1e6);
        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("sigma");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(0)]
    [InlineData(-1)]
    public void Box_BadSize_ThrowsNamingSizeAndValue(int size)
    {
        var act = () => new BoxBlurKernel(size);
        act.Should().Throw<ArgumentException>().WithMessage($"Box kernel size must be odd*(got {size})*")
            .Which.ParamName.Should().Be("size");
    }

    [Fact]
    public void Custom_TapsNotSummingToOne_ThrowsWithActualSum()
    {
        var taps = new double[,] { { 0.1, 0.1, 0.1 }, { 0.1, 0.13, 0.1 }, { 0.1, 0.1, 0.1 } };
        var act = () => new CustomBlurKernel(taps);
        act.Should().Throw<ArgumentException>().WithMessage("Blur kernel taps must sum to 1 (got 0.930000)*")
            .Which.ParamName.Should().Be("taps");
    }

    [Fact]
    public void Custom_SumWithinTolerance_IsAccepted()
    {
        var act = () => new CustomBlurKernel(new double[,] { { 1 + 5e-7 } });
        act.Should().NotThrow();
    }

    [Fact]
    public void Custom_NonSquare_Throws()
    {
        var act = () => new CustomBlurKernel(new double[3, 5]);
        act.Should().Throw<ArgumentException>().WithMessage("Blur kernel taps must be square (got 3x5)*");
    }

    [Fact]
    public void Custom_EvenSize_Throws()
    {
        var act = () => new CustomBlurKernel(new double[,] { { 0.25, 0.25 }, { 0.25, 0.25 } });
        act.Should().Throw<ArgumentException>().WithMessage("Blur kernel size must be odd (got 2)*");
    }

    [Fact]
    public void Custom_NonFinite_Throws()
    {
        var act = () => new CustomBlurKernel(new double[,] { { double.NaN } });
        act.Should().Throw<ArgumentException>().WithMessage("Blur kernel taps must be finite*");
    }

    [Theory]
    [InlineData("identity")]
    [InlineData("box(size=3)")]
    [InlineData("gaussian(sigma=1,size=3)")]
    [InlineData(" ")]
    public void Custom_ReservedOrEmptyName_Throws(string name)
    {
        var act = () => new CustomBlurKernel(new double[,] { { 1 } }, name);
        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("name");
    }

    [Fact]
    public void FromTaps_TensorNot2D_Throws()
    {
        using var t = torch.ones(1, 3, 3);
        var act = () => BlurKernels.FromTaps(t);
        act.Should().Throw<ArgumentException>().WithMessage("*2-D [k,k]*[1, 3, 3]*");
    }

    [Fact]
    public void Apply_ImageSmallerThanRadius_ThrowsNamingBothSizes()
    {
        using var img = torch.zeros(1, 3, 8);
        var act = () => BlurKernels.Box(7).Apply(img);
        act.Should().Throw<ArgumentException>().WithMessage("Image of size 3x8 (HxW) is too small for a 7x7 blur kernel*")
            .Which.ParamName.Should().Be("images");
    }

    [Fact]
    public void Apply_RadiusOneLessThanSize_IsAccepted()
    {
        using var img = torch.rand(1, 4, 4);
        using var y = BlurKernels.Box(7).Apply(img);
        y.shape.Should().Equal(1, 4, 4);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public void Apply_WrongRank_Throws(int rank)
    {
        using var img = torch.zeros(Enumerable.Repeat(4L, rank).ToArray());
        var act = () => BlurKernels.Box(3).Apply(img);
        act.Should().Throw<ArgumentException>().WithMessage("Expected an image [C,H,W] or a batch [B,C,H,W]*");
    }

    [Fact]
    public void Apply_IntegerTensor_Throws()
    {
        using var img = torch.zeros(new long[] { 1, 4, 4 }, torch.ScalarType.Int32);
        var act = () => BlurKernels.Box(3).Apply(img);
        act.Should().Throw<ArgumentException>().WithMessage("Expected a floating-point tensor*");
    }
}
