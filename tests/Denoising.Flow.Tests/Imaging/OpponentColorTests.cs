using Denoising.Flow.Imaging;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Imaging;

public class OpponentColorTests
{
    [Fact]
    public void ToRgb_InvertsFromRgb()
    {
        using var scope = NewDisposeScope();
        var rgb = (rand(2, 3, 5, 7, dtype: ScalarType.Float64) * 1.6) - 0.3; // noisy images leave [0, 1]
        (OpponentColor.ToRgb(OpponentColor.FromRgb(rgb)) - rgb).abs().max().ToDouble().Should().BeLessThan(1e-12);
    }

    [Fact]
    public void FromRgb_IsOrthonormalUpToOneScale_SoWhiteNoiseStaysWhiteAtOneOverSqrt3()
    {
        // The linear part M (columns: the images of the unit RGB vectors, offsets removed) satisfies M M^T = I / 3: a white
        // noise level sigma in every RGB channel becomes sigma / sqrt(3) in every opponent channel, with no correlation.
        using var scope = NewDisposeScope();
        var offset = OpponentColor.FromRgb(zeros(1, 3, 1, 1, dtype: ScalarType.Float64)).reshape(3);
        var columns = Enumerable.Range(0, 3).Select(i =>
        {
            var unit = zeros(1, 3, 1, 1, dtype: ScalarType.Float64);
            unit[0, i, 0, 0] = tensor(1.0);
            return OpponentColor.FromRgb(unit).reshape(3) - offset;
        }).ToArray();
        var m = stack(columns, 1);
        (m.matmul(m.t()) - (eye(3, dtype: ScalarType.Float64) / 3)).abs().max().ToDouble().Should().BeLessThan(1e-12);
        OpponentColor.NoiseScale.Should().BeApproximately(1 / Math.Sqrt(3), 1e-15);
    }

    [Fact]
    public void FromRgb_KeepsTheRgbCubeInsideTheUnitRange_AndMapsGrayToNeutralChroma()
    {
        using var scope = NewDisposeScope();
        var corners = zeros(8, 3, 1, 1, dtype: ScalarType.Float64);
        for (int k = 0; k < 8; k++)
            for (int c = 0; c < 3; c++) corners[k, c, 0, 0] = tensor((double)((k >> c) & 1));
        var opponent = OpponentColor.FromRgb(corners);
        opponent.min().ToDouble().Should().BeGreaterThanOrEqualTo(0);
        opponent.max().ToDouble().Should().BeLessThanOrEqualTo(1);

        var gray = full(1, 3, 2, 2, 0.3, dtype: ScalarType.Float64);
        var neutral = OpponentColor.FromRgb(gray);
        (neutral[0, 0] - 0.3).abs().max().ToDouble().Should().BeLessThan(1e-12, "luminance is the mean of R, G and B");
        (neutral.narrow(1, 1, 2) - 0.5).abs().max().ToDouble().Should().BeLessThan(1e-12, "a gray pixel has no chroma");
    }

    [Fact]
    public void FromRgb_RefusesAnythingButABatchOfColorImages()
    {
        using var scope = NewDisposeScope();
        ((Action)(() => OpponentColor.FromRgb(rand(3, 4, 4)))).Should().Throw<ArgumentException>().WithMessage("*[B, 3, H, W]*[3, 4, 4]*");
        ((Action)(() => OpponentColor.ToRgb(rand(1, 1, 4, 4)))).Should().Throw<ArgumentException>().WithMessage("*[B, 3, H, W]*");
    }
}
