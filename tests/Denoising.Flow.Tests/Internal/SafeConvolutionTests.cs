using Denoising.Flow.Internal;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Internal;

/// <summary>
/// On AMD Zen 5 CPUs libtorch's oneDNN gives a wrong input gradient for k x k convolutions whose output channels are not a multiple of 16,
/// and a wrong forward pass with more than 16 input channels that are not a multiple of 16 (found when every prior
/// training of the suite diverged on such a machine). These tests compare the float32 gradients of the
/// library's convolutions with float64 (which oneDNN does not serve), on the shapes that were wrong, on every CPU.
/// </summary>
public class SafeConvolutionTests
{
    /// <summary>(inputs, outputs, k): output counts that are not multiples of 16 (wrong input gradients) and input counts above
    /// 16 that are not (wrong forward passes), as found on Zen 5; and shapes that were always right.</summary>
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 64, 1, 3 }, { 64, 4, 3 }, { 32, 8, 3 }, { 16, 12, 5 }, { 4, 2, 5 }, { 2, 24, 3 }, { 32, 40, 3 },
        { 24, 32, 3 }, { 20, 24, 3 }, { 56, 16, 3 }, { 17, 64, 3 }, { 24, 12, 1 }, { 16, 16, 3 }, { 48, 64, 3 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Conv2d_OutputAndGradients_MatchFloat64(int inputs, int outputs, int k)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        for (int trial = 0; trial < 3; trial++)
        {
            var x = randn(new long[] { 8, inputs, 16, 16 }, generator: generator);
            var w = randn(new long[] { outputs, inputs, k, k }, generator: generator) * 0.1;
            var b = randn(new long[] { outputs }, generator: generator);
            var g = randn(new long[] { 8, outputs, 16, 16 }, generator: generator);
            var (y32, dx32, dw32, db32) = Gradients(x, w, b, g);
            var (y64, dx64, dw64, db64) = Gradients(x.to(ScalarType.Float64), w.to(ScalarType.Float64), b.to(ScalarType.Float64), g.to(ScalarType.Float64));
            Relative(y32, y64).Should().BeLessThan(1e-5, "the forward pass must be right (it was off by 25% for 17-56 input channels on Zen 5)");
            Relative(dx32, dx64).Should().BeLessThan(1e-5, "the input gradient must be right (it was off by 100% on Zen 5)");
            Relative(dw32, dw64).Should().BeLessThan(1e-5);
            Relative(db32, db64).Should().BeLessThan(1e-5);
        }
    }

    [Fact]
    public void Depthwise_InputGradient_MatchesFloat64_AndEqualsTheGroupedConvolution()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(8);
        var x = randn(new long[] { 4, 3, 20, 20 }, generator: generator);
        var kernel = rand(new long[] { 1, 1, 5, 5 }, generator: generator);
        var g = randn(new long[] { 4, 3, 16, 16 }, generator: generator);
        Tensor InputGradient(Tensor input, Tensor filter, Tensor upstream)
        {
            var leaf = input.detach().requires_grad_(true);
            SafeConvolution.Depthwise(leaf, filter).backward(new[] { upstream });
            return leaf.grad!;
        }
        Relative(InputGradient(x, kernel, g), InputGradient(x.to(ScalarType.Float64), kernel.to(ScalarType.Float64), g.to(ScalarType.Float64))).Should().BeLessThan(1e-5);
        var grouped = nn.functional.conv2d(x, kernel.expand(3, 1, 5, 5), groups: 3);
        Relative(SafeConvolution.Depthwise(x.requires_grad_(true), kernel), grouped.to(ScalarType.Float64)).Should().BeLessThan(1e-6);
    }

    private static (Tensor Y, Tensor Dx, Tensor Dw, Tensor Db) Gradients(Tensor x, Tensor w, Tensor b, Tensor g)
    {
        var xl = x.detach().requires_grad_(true);
        var wl = w.detach().requires_grad_(true);
        var bl = b.detach().requires_grad_(true);
        var y = SafeConvolution.Conv2d(xl, wl, bl, padding: w.shape[2] / 2);
        y.backward(new[] { g });
        return (y.detach(), xl.grad!, wl.grad!, bl.grad!);
    }

    private static double Relative(Tensor a, Tensor b) =>
        (a.detach().to(ScalarType.Float64) - b.detach().to(ScalarType.Float64)).abs().max().ToDouble() / Math.Max(1e-12, b.detach().abs().max().ToDouble());
}
