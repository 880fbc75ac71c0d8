using Denoising.Flow.Denoisers;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Denoisers;

public sealed class CollaborativeFilterTests
{
    private static readonly Tensor[] NoPilot = Array.Empty<Tensor>();

    private static (Tensor Noisy, Tensor Pilot, Tensor Levels) Inputs(long channels, int seed)
    {
        var clean = cat(Enumerable.Range(0, (int)channels).Select(c => CollaborativeWienerTests.Scene(44, 50).flip(c % 2 == 0 ? 3 : 2)).ToArray(), 1);
        var noisy = clean + (randn(clean.shape, generator: new Generator((ulong)seed)) * 0.08);
        var pilot = clean + (randn(clean.shape, generator: new Generator((ulong)seed + 1)) * 0.02);
        return (noisy, pilot, full(1, channels, 0.08));
    }

    [Fact]
    public void ProbeResponse_OfTheWienerStage_IsItsChangeWhenTheNoisyImageMovesByTheProbe()
    {
        using var scope = NewDisposeScope();
        // With the pilot fixed, the groups and gains are fixed: the Wiener stage is linear in the noisy image.
        var (noisy, pilot, levels) = Inputs(3, 31);
        var probe = randn(noisy.shape, generator: new Generator(33)) * 0.05;
        var (filtered, response) = CollaborativeFilter.Filter(CollaborativeWiener.Stage, noisy, new[] { pilot }, pilot, levels, probe);
        var moved = CollaborativeWiener.Filter(noisy + probe, pilot, levels);
        (filtered - CollaborativeWiener.Filter(noisy, pilot, levels)).abs().max().ToDouble().Should().Be(0, "the probe changes nothing in the output");
        (moved - filtered - response!).abs().max().ToDouble().Should().BeLessThan(1e-5);
        response!.abs().max().ToDouble().Should().BeGreaterThan(0.01);
    }

    [Fact]
    public void ProbeResponse_OfTheHardThresholdingStage_IsLinearInTheProbe_AndIsTheOutputForTheNoisyImageItself()
    {
        using var scope = NewDisposeScope();
        var (noisy, _, levels) = Inputs(1, 34);
        var b1 = randn(noisy.shape, generator: new Generator(35));
        var b2 = randn(noisy.shape, generator: new Generator(36));
        var stage = CollaborativeHardThreshold.Stage;
        var r1 = CollaborativeFilter.Filter(stage, noisy, NoPilot, null, levels, b1).ProbeResponse!;
        var r2 = CollaborativeFilter.Filter(stage, noisy, NoPilot, null, levels, b2).ProbeResponse!;
        var r12 = CollaborativeFilter.Filter(stage, noisy, NoPilot, null, levels, b1 - (2 * b2)).ProbeResponse!;
        (r12 - (r1 - (2 * r2))).abs().max().ToDouble().Should().BeLessThan(1e-5, "the support is that of the noisy image, whatever the probe");
        (r1 - b1).abs().max().ToDouble().Should().BeGreaterThan(0.1, "coefficients were cut");
        // The output is the same linear map (the noisy image's support) applied to the noisy image.
        var (filtered, itself) = CollaborativeFilter.Filter(stage, noisy, NoPilot, null, levels, noisy);
        (itself! - filtered).abs().max().ToDouble().Should().BeLessThan(1e-6);
    }

    [Fact]
    public void ProbeResponse_EstimatesTheDivergence_TheTraceOfTheLinearMap()
    {
        using var scope = NewDisposeScope();
        // The trace of the Wiener stage's linear map, column by column (the response to each unit image), against the Monte-Carlo
        // estimate probe . response averaged over probes: E[b . L b] = trace L for a standard Gaussian b.
        var clean = CollaborativeWienerTests.Scene(12, 13);
        var noisy = clean + (randn(clean.shape, generator: new Generator(37)) * 0.1);
        var pilot = clean + 0.01;
        var levels = full(1, 1, 0.1);
        long n = 12 * 13;
        var units = eye(n).view(n, 1, 12, 13);
        var columns = CollaborativeFilter.Filter(CollaborativeWiener.Stage, noisy.expand(n, 1, 12, 13), new[] { pilot.expand(n, 1, 12, 13) }, pilot.expand(n, 1, 12, 13), full(n, 1, 0.1), units).ProbeResponse!;
        double trace = (columns.view(n, n).diagonal()).sum().ToDouble();
        const int probes = 400;
        var b = randn(new long[] { probes, 1, 12, 13 }, generator: new Generator(38));
        var responses = CollaborativeFilter.Filter(CollaborativeWiener.Stage, noisy.expand(probes, 1, 12, 13), new[] { pilot.expand(probes, 1, 12, 13) }, pilot.expand(probes, 1, 12, 13), full(probes, 1, 0.1), b).ProbeResponse!;
        var estimates = (b * responses).sum(new long[] { 1, 2, 3 }).to(float64);
        double mean = estimates.mean().ToDouble(), error = estimates.std().ToDouble() / Math.Sqrt(probes);
        trace.Should().BeGreaterThan(1);
        Math.Abs(mean - trace).Should().BeLessThan(4 * error, $"the mean of {probes} estimates {mean:F2} +- {error:F2} estimates the trace {trace:F2}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Filter_InBands_EqualsOneBand_WithTheProbe(bool wiener)
    {
        using var scope = NewDisposeScope();
        var (noisy, pilot, levels) = Inputs(2, 39);
        var probe = randn(noisy.shape, generator: new Generator(40));
        var stage = wiener ? CollaborativeWiener.Stage : CollaborativeHardThreshold.Stage;
        var pilots = wiener ? new[] { pilot } : NoPilot;
        var whole = CollaborativeFilter.Filter(stage, noisy, pilots, pilots.FirstOrDefault(), levels, probe, referencesPerBand: 1 << 20);
        var bands = CollaborativeFilter.Filter(stage, noisy, pilots, pilots.FirstOrDefault(), levels, probe, referencesPerBand: 17);
        (bands.Filtered - whole.Filtered).abs().max().ToDouble().Should().BeLessThan(1e-6);
        (bands.ProbeResponse! - whole.ProbeResponse!).abs().max().ToDouble().Should().BeLessThan(1e-6);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(16)]
    [InlineData(32)]
    public void HaarMatrix_IsOrthonormal_MeanFirst_ThenDifferences(int n)
    {
        using var scope = NewDisposeScope();
        var h = CollaborativeFilter.HaarMatrix(n).to(float64);
        (h.matmul(h.t()) - eye(n, dtype: float64)).abs().max().ToDouble().Should().BeLessThan(1e-6);
        (h[0] - (1 / Math.Sqrt(n))).abs().max().ToDouble().Should().BeLessThan(1e-7, "the first row is the mean");
        if (n > 1) h[1..].sum(1).abs().max().ToDouble().Should().BeLessThan(1e-6, "every other row is a difference: it sums to zero");
        // The finest rows compare neighbouring patches: row n/2 + r is (e_2r - e_2r+1) / sqrt 2.
        if (n > 1) h[n / 2, 0].ToDouble().Should().BeApproximately(1 / Math.Sqrt(2), 1e-7);
    }

    [Fact]
    public void HaarMatrix_OtherThanAPowerOfTwo_IsRefused() =>
        FluentActions.Invoking(() => CollaborativeFilter.HaarMatrix(12)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*power of two*");

    [Fact]
    public void Filter_ImagesOfAnotherShape_AreRefused_NamingEach()
    {
        using var scope = NewDisposeScope();
        var image = zeros(1, 1, 16, 16);
        FluentActions.Invoking(() => CollaborativeFilter.Filter(CollaborativeWiener.Stage, image, new[] { image }, zeros(1, 1, 16, 17), zeros(1, 1)))
            .Should().Throw<ArgumentException>().WithMessage("*one shape*[1, 1, 16, 17]*");
        FluentActions.Invoking(() => CollaborativeFilter.Filter(CollaborativeHardThreshold.Stage, image, NoPilot, null, zeros(1, 1), zeros(1, 1, 15, 16)))
            .Should().Throw<ArgumentException>().WithMessage("*one shape*[1, 1, 15, 16]*");
    }

    [Fact]
    public void Filter_TwoPilots_TakeTheGainFromTheirMeanPower_AndGroupOnTheOneGiven()
    {
        using var scope = NewDisposeScope();
        // Two equal pilots are one pilot; a pilot of zeros beside another halves its power (the gain P^2 / 2 / (P^2 / 2 + sigma^2)),
        // which is the gain of that pilot scaled by 1 / sqrt(2).
        var (noisy, pilot, levels) = Inputs(1, 41);
        var one = CollaborativeWiener.Filter(noisy, pilot, levels);
        (CollaborativeWiener.Filter(noisy, new[] { pilot, pilot }, pilot, levels) - one).abs().max().ToDouble().Should().BeLessThan(1e-6);
        var halved = CollaborativeWiener.Filter(noisy, new[] { pilot, zeros_like(pilot) }, pilot, levels);
        (halved - CollaborativeWiener.Filter(noisy, new[] { pilot / Math.Sqrt(2) }, pilot, levels)).abs().max().ToDouble().Should().BeLessThan(1e-5);
        (halved - one).abs().max().ToDouble().Should().BeGreaterThan(1e-3);
    }
}
