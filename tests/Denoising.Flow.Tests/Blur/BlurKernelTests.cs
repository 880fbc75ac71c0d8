using Denoising.Flow.Blur;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Blur;

public class BlurKernelTests
{
    internal static readonly string[] Ids = { "identity", "gaussian1", "gaussian2.3x7", "box3", "box5", "custom" };

    public static TheoryData<string> Kernels => new(Ids);

    internal static IBlurKernel Make(string id) => id switch
    {
        "identity" => BlurKernels.Identity,
        "gaussian1" => BlurKernels.Gaussian(1.0),
        "gaussian2.3x7" => BlurKernels.Gaussian(2.3, 7),
        "box3" => BlurKernels.Box(3),
        "box5" => BlurKernels.Box(5),
        "custom" => BlurKernels.FromTaps(new double[,] { { 0, 0.1, 0 }, { 0.2, 0.3, 0.05 }, { 0, 0.25, 0.1 } }),
        _ => throw new ArgumentOutOfRangeException(nameof(id)),
    };

    private static double Sum(double[,] taps) => taps.Cast<double>().Sum();

    [Theory]
    [MemberData(nameof(Kernels))]
    public void GetTaps_AnyKernel_SumsToOneAndIsSquareOdd(string id)
    {
        var k = Make(id);
        var taps = k.GetTaps();
        taps.GetLength(0).Should().Be(k.Size);
        taps.GetLength(1).Should().Be(k.Size);
        (k.Size % 2).Should().Be(1);
        Sum(taps).Should().BeApproximately(1.0, 1e-12);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void SumOfSquaredTaps_AnyKernel_EqualsSumOfTapSquares(string id)
    {
        var k = Make(id);
        k.SumOfSquaredTaps.Should().BeApproximately(k.GetTaps().Cast<double>().Sum(t => t * t), 1e-15);
    }

    [Fact]
    public void SumOfSquaredTaps_Box5_IsOneOver25()
    {
        BlurKernels.Box(5).SumOfSquaredTaps.Should().BeApproximately(1.0 / 25, 1e-15);
        BlurKernels.Identity.SumOfSquaredTaps.Should().Be(1.0);
    }

    [Fact]
    public void GetTaps_ModifyingCopy_DoesNotChangeKernel()
    {
        var k = BlurKernels.Box(3);
        var taps = k.GetTaps();
        taps[1, 1] = 42;
        k.GetTaps()[1, 1].Should().BeApproximately(1.0 / 9, 1e-15);
    }

    [Fact]
    public void Gaussian_DefaultSize_IsTwoCeilThreeSigmaPlusOne()
    {
        BlurKernels.Gaussian(1.0).Size.Should().Be(7);
        BlurKernels.Gaussian(1.5).Size.Should().Be(11);
        BlurKernels.Gaussian(0.3).Size.Should().Be(3);
    }

    [Fact]
    public void GetTaps_Gaussian_MatchesClosedForm()
    {
        const double sigma = 1.3;
        var k = BlurKernels.Gaussian(sigma, 5);
        var taps = k.GetTaps();
        double z = 0;
        for (int i = -2; i <= 2; i++)
        {
            for (int j = -2; j <= 2; j++)
            {
                z += Math.Exp(-(i * i + j * j) / (2 * sigma * sigma));
            }
        }

        for (int i = -2; i <= 2; i++)
        {
            for (int j = -2; j <= 2; j++)
            {
                taps[i + 2, j + 2].Should().BeApproximately(Math.Exp(-(i * i + j * j) / (2 * sigma * sigma)) / z, 1e-15);
            }
        }

        // Separable: k[i,j] * k[r,r] == k[i,r] * k[r,j].
        (taps[0, 1] * taps[2, 2]).Should().BeApproximately(taps[0, 2] * taps[2, 1], 1e-15);
    }

    [Fact]
    public void GetTaps_Box_IsUniform()
    {
        BlurKernels.Box(5).GetTaps().Cast<double>().Should().AllSatisfy(t => t.Should().Be(1.0 / 25));
    }

    [Fact]
    public void Name_BuiltIns_AreDescriptors()
    {
        BlurKernels.Identity.Name.Should().Be("identity");
        BlurKernels.Box(3).Name.Should().Be("box(size=3)");
        BlurKernels.Gaussian(1.5).Name.Should().Be("gaussian(sigma=1.5,size=11)");
        BlurKernels.FromTaps(new double[,] { { 1 } }).Name.Should().Be("custom");
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void FromDescriptor_NameAndTaps_RoundTrips(string id)
    {
        var k = Make(id);
        var rebuilt = BlurKernels.FromDescriptor(k.Name, k.GetTaps());
        rebuilt.GetType().Should().Be(k.GetType());
        rebuilt.Name.Should().Be(k.Name);
        rebuilt.GetTaps().Should().BeEquivalentTo(k.GetTaps());
    }

    [Fact]
    public void FromDescriptor_GaussianWithIrrationalSigma_RoundTripsExactly()
    {
        var k = BlurKernels.Gaussian(Math.PI / 3);
        var rebuilt = (GaussianBlurKernel)BlurKernels.FromDescriptor(k.Name, k.GetTaps());
        rebuilt.Sigma.Should().Be(k.Sigma);
    }

    [Fact]
    public void FromDescriptor_CustomName_GivesCustomKernelWithThatName()
    {
        var rebuilt = BlurKernels.FromDescriptor("motion-h3", new double[,] { { 0, 0, 0 }, { 0.25, 0.5, 0.25 }, { 0, 0, 0 } });
        rebuilt.Should().BeOfType<CustomBlurKernel>();
        rebuilt.Name.Should().Be("motion-h3");
    }

    [Fact]
    public void FromDescriptor_TapsNotMatchingBuiltIn_Throws()
    {
        var act = () => BlurKernels.FromDescriptor("box(size=3)", BlurKernels.Gaussian(1, 3).GetTaps());
        act.Should().Throw<ArgumentException>().WithMessage("*do not match*box(size=3)*").Which.ParamName.Should().Be("taps");
    }

    [Fact]
    public void FromDescriptor_MalformedBuiltIn_Throws()
    {
        var act = () => BlurKernels.FromDescriptor("gaussian(sigma=abc,size=3)", BlurKernels.Box(3).GetTaps());
        act.Should().Throw<ArgumentException>().WithMessage("Malformed blur kernel descriptor*");
    }

    [Fact]
    public void FromTaps_Tensor_MatchesArray()
    {
        using var t = torch.tensor(new float[] { 0, 0.25f, 0, 0.25f, 0, 0.25f, 0, 0.25f, 0 }, new long[] { 3, 3 });
        var k = BlurKernels.FromTaps(t);
        k.Size.Should().Be(3);
        k.GetTaps()[0, 1].Should().Be(0.25);
        k.GetTaps()[1, 1].Should().Be(0);
    }
}
