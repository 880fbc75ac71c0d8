using Denoising.Flow.Denoisers;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Denoisers;

public sealed class SureRiskTests
{
    private const double Sigma = 0.1;

    /// <summary>A smooth clean batch [2, 1, 96, 96], its noisy version at <see cref="Sigma"/>, and a Gaussian probe.</summary>
    private static (Tensor Clean, Tensor Noisy, Tensor Probe) Batch()
    {
        var ramp = linspace(0.2, 0.8, 96, dtype: float64);
        var clean = (ramp.view(1, 1, 1, 96) * ramp.view(1, 1, 96, 1)).expand(2, 1, 96, 96).contiguous();
        var noisy = clean + (Sigma * randn(clean.shape, dtype: float64, generator: new Generator(11)));
        return (clean, noisy, randn(clean.shape, dtype: float64, generator: new Generator(12)));
    }

    /// <summary>The linear shrinkage D(N) = a N + (1 - a) m towards the constant m: its divergence is exactly a n.</summary>
    private static Tensor Shrink(Tensor x, double a) => (a * x) + ((1 - a) * 0.5);

    /// <summary>SURE's terms of <see cref="Shrink"/> with factor <paramref name="a"/> at the noise levels <paramref name="sigmas"/> [B].</summary>
    private static SureTerms ShrinkTerms(Tensor noisy, Tensor probe, Tensor sigmas, double a)
    {
        var steps = SureRisk.Steps(sigmas);
        var denoised = Shrink(noisy, a);
        var divergence = SureRisk.DivergenceMap(denoised, probe, Shrink(noisy + (steps.view(-1, 1, 1, 1) * probe), a), steps);
        return SureRisk.Measure(noisy, denoised, divergence, sigmas);
    }

    [Fact]
    public void Measure_LinearShrinkage_DivergenceIsANWithinMonteCarloError()
    {
        using var scope = NewDisposeScope();
        var (_, noisy, probe) = Batch();
        var terms = ShrinkTerms(noisy, probe, full(2, Sigma, dtype: float64), 0.3);
        double n = 96 * 96;
        terms.Values.Should().Be(96 * 96);
        // b . (a eps b) / eps = a ||b||^2: mean a n, standard deviation a sqrt(2 n) (about 1.5% of a n here).
        foreach (double d in terms.Divergence.data<double>()) d.Should().BeApproximately(0.3 * n, 4 * 0.3 * Math.Sqrt(2 * n));
        (terms.Residual - (0.7 * (noisy - 0.5)).square().sum(new long[] { 1, 2, 3 })).abs().max().ToDouble().Should().BeLessThan(1e-9);
    }

    [Fact]
    public void Risk_OfALinearShrinkage_EstimatesTheTrueSquaredErrorWithoutTheCleanImage()
    {
        using var scope = NewDisposeScope();
        var (clean, noisy, probe) = Batch();
        foreach (double a in new[] { 0.2, 0.6 })
        {
            var denoised = Shrink(noisy, a);
            var terms = ShrinkTerms(noisy, probe, full(2, Sigma, dtype: float64), a);
            foreach (double beta in new[] { 0.0, 0.3, 1.0 })
            {
                var blend = denoised + (beta * (noisy - denoised));
                var truth = (blend - clean).square().sum(new long[] { 1, 2, 3 });
                var estimate = terms.Risk(full(2, beta, dtype: float64));
                // SURE is unbiased; over 9216 values per image its spread is a few percent of the error.
                ((estimate - truth).abs() / truth).max().ToDouble().Should().BeLessThan(0.08, $"a = {a}, beta = {beta}");
            }
        }
    }

    [Fact]
    public void OptimalWeight_IsTheMinimumOfTheRiskParabola()
    {
        using var scope = NewDisposeScope();
        var (_, noisy, probe) = Batch();
        var terms = ShrinkTerms(noisy, probe, tensor(new[] { 0.05, 0.2 }, dtype: float64), 0.5);
        var best = terms.OptimalWeight();
        var atBest = terms.Risk(best);
        foreach (double delta in new[] { -0.05, 0.05 })
            (terms.Risk(best + delta) - atBest).min().ToDouble().Should().BeGreaterThan(0);
        // With little noise, SURE keeps more of the input than with much noise.
        best[0].ToDouble().Should().BeGreaterThan(best[1].ToDouble());
    }

    [Fact]
    public void OptimalWeight_OfAnOverSmoothingShrinkage_GetsCloseToTheOracleWeightWithoutTheCleanImage()
    {
        using var scope = NewDisposeScope();
        var (clean, noisy, probe) = Batch();
        var denoised = Shrink(noisy, 0.1); // flattens the ramp: most of the image is in the residual
        var terms = ShrinkTerms(noisy, probe, full(2, Sigma, dtype: float64), 0.1);
        var dims = new long[] { 1, 2, 3 };
        var residual = noisy - denoised;
        var oracle = ((clean - denoised) * residual).sum(dims) / residual.square().sum(dims);
        var chosen = terms.OptimalWeight();
        (chosen - oracle).abs().max().ToDouble().Should().BeLessThan(0.02);
        Tensor Error(Tensor beta) => (denoised + (beta.view(-1, 1, 1, 1) * residual) - clean).square().sum(dims);
        (Error(chosen) / Error(zeros(2, dtype: float64))).max().ToDouble().Should().BeLessThan(0.5, "giving back the flattened ramp more than halves the error");
        (Error(chosen) / Error(oracle)).max().ToDouble().Should().BeLessThan(1.01);
    }

    [Fact]
    public void OptimalWeight_NoNoise_KeepsTheInput()
    {
        using var scope = NewDisposeScope();
        var (_, noisy, probe) = Batch();
        var sigmas = zeros(2, dtype: float64);
        SureRisk.Steps(sigmas).min().ToDouble().Should().BeGreaterThan(0, "a clean image still gets a usable Monte-Carlo step");
        var terms = ShrinkTerms(noisy, probe, sigmas, 0.5);
        terms.OptimalWeight().data<double>().Should().AllSatisfy(b => b.Should().Be(1));
    }
}
