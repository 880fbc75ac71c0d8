using Denoising.Flow.Blur;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Blur;

public class BlurKernelApplyTests
{
    public static TheoryData<string> Kernels => BlurKernelTests.Kernels;

    /// <summary>Brute-force correlation with reflect padding (edge pixel not repeated), by loops.</summary>
    private static double[,] Reference(double[,] img, double[,] taps)
    {
        int h = img.GetLength(0), w = img.GetLength(1), k = taps.GetLength(0), r = k / 2;
        static int Reflect(int i, int n) => i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
        var outp = new double[h, w];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                double s = 0;
                for (int i = 0; i < k; i++)
                {
                    for (int j = 0; j < k; j++)
                    {
                        s += taps[i, j] * img[Reflect(y + i - r, h), Reflect(x + j - r, w)];
                    }
                }

                outp[y, x] = s;
            }
        }

        return outp;
    }

    private static double[,] Plane(Tensor t, int b, int c)
    {
        using var p = t[b, c].to(ScalarType.Float64).contiguous();
        var data = p.data<double>().ToArray();
        int h = (int)p.shape[0], w = (int)p.shape[1];
        var a = new double[h, w];
        for (int i = 0; i < h; i++)
        {
            for (int j = 0; j < w; j++)
            {
                a[i, j] = data[i * w + j];
            }
        }

        return a;
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Apply_SmallBatch_EqualsBruteForceReflectConvolution(string id)
    {
        var k = BlurKernelTests.Make(id);
        using var gen = new torch.Generator(7);
        using var x = torch.rand(new long[] { 2, 3, 6, 9 }, ScalarType.Float64, generator: gen);
        using var y = k.Apply(x);
        for (int b = 0; b < 2; b++)
        {
            for (int c = 0; c < 3; c++)
            {
                var expected = Reference(Plane(x, b, c), k.GetTaps());
                var actual = Plane(y, b, c);
                for (int i = 0; i < 6; i++)
                {
                    for (int j = 0; j < 9; j++)
                    {
                        actual[i, j].Should().BeApproximately(expected[i, j], 1e-12, $"at b={b} c={c} y={i} x={j}");
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void Apply_ImageAndBatch_KeepShapeDtypeAndDevice(ScalarType dtype)
    {
        var devices = new List<Device> { torch.CPU };
        if (torch.cuda.is_available())
        {
            devices.Add(torch.CUDA);
        }

        foreach (var device in devices)
        {
            foreach (var shape in new[] { new long[] { 3, 10, 12 }, new long[] { 2, 3, 10, 12 } })
            {
                using var x = torch.rand(shape, dtype, device);
                foreach (var id in BlurKernelTests.Ids)
                {
                    using var y = BlurKernelTests.Make(id).Apply(x);
                    y.shape.Should().Equal(shape);
                    y.dtype.Should().Be(dtype);
                    y.device.type.Should().Be(device.type);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Apply_ConstantImage_StaysConstant(string id)
    {
        using var x = torch.full(new long[] { 2, 9, 11 }, 0.37, ScalarType.Float64);
        using var y = BlurKernelTests.Make(id).Apply(x);
        y.sub(0.37).abs().max().item<double>().Should().BeLessThan(1e-14);
    }

    [Fact]
    public void Apply_Identity_IsExact()
    {
        using var x = torch.rand(2, 3, 5, 5);
        using var y = BlurKernels.Identity.Apply(x);
        y.eq(x).all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void Apply_OneHotChannel_DoesNotLeakIntoOtherChannels()
    {
        using var x = torch.zeros(3, 9, 9, ScalarType.Float64);
        x[1, 4, 4] = torch.tensor(1.0, ScalarType.Float64);
        using var y = BlurKernels.Gaussian(1.0).Apply(x);
        y[0].abs().max().item<double>().Should().Be(0);
        y[2].abs().max().item<double>().Should().Be(0);
        y[1].sum().item<double>().Should().BeApproximately(1.0, 1e-12);
    }

    [Fact]
    public void Apply_BatchAndSingleImages_Agree()
    {
        using var x = torch.rand(3, 2, 8, 8, ScalarType.Float64);
        var k = BlurKernels.Gaussian(0.8);
        using var batch = k.Apply(x);
        for (int b = 0; b < 3; b++)
        {
            using var single = k.Apply(x[b]);
            single.allclose(batch[b], rtol: 0, atol: 1e-15).Should().BeTrue();
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Apply_Backward_GradientIsAdjointOfBlur(string id)
    {
        // For L = sum(w * B(x)), dL/dx = B^T w; checked against the brute-force directional derivative <B^T w, v> = <w, B v>.
        var k = BlurKernelTests.Make(id);
        using var gen = new torch.Generator(3);
        using var x = torch.rand(new long[] { 1, 2, 7, 7 }, ScalarType.Float64, generator: gen).requires_grad_(true);
        using var w = torch.rand(new long[] { 1, 2, 7, 7 }, ScalarType.Float64, generator: gen);
        using var v = torch.rand(new long[] { 1, 2, 7, 7 }, ScalarType.Float64, generator: gen);
        using (var loss = k.Apply(x).mul(w).sum())
        {
            loss.backward();
        }

        x.grad.Should().NotBeNull();
        double lhs = x.grad!.mul(v).sum().item<double>();
        using var bv = k.Apply(v);
        double rhs = bv.mul(w).sum().item<double>();
        lhs.Should().BeApproximately(rhs, 1e-10);
    }

    [Fact]
    public void Apply_DoesNotDisposeOrModifyInput()
    {
        using var x = torch.rand(1, 6, 6);
        using var before = x.clone();
        using (BlurKernels.Box(3).Apply(x))
        {
        }

        x.IsInvalid.Should().BeFalse();
        x.eq(before).all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void Apply_InsideScope_LeavesOnlyTheResult()
    {
        using var x = torch.rand(2, 8, 8);
        using var outer = torch.NewDisposeScope();
        int before = outer.DisposablesCount;
        var y = BlurKernels.Gaussian(1.0).Apply(x);
        outer.DisposablesCount.Should().Be(before + 1);
        y.IsInvalid.Should().BeFalse();
    }
}
