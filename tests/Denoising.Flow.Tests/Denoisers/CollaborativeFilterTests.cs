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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Filter_InBands_EqualsOneBand(bool wiener)
    {
        using var scope = NewDisposeScope();
        var (noisy, pilot, levels) = Inputs(2, 39);
        var stage = wiener ? CollaborativeWiener.Stage : CollaborativeHardThreshold.Stage;
        var pilots = wiener ? new[] { pilot } : NoPilot;
        var whole = CollaborativeFilter.Filter(stage, noisy, pilots, pilots.FirstOrDefault(), levels, referencesPerBand: 1 << 20);
        var bands = CollaborativeFilter.Filter(stage, noisy, pilots, pilots.FirstOrDefault(), levels, referencesPerBand: 17);
        (bands - whole).abs().max().ToDouble().Should().BeLessThan(1e-6);
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
        FluentActions.Invoking(() => CollaborativeFilter.Filter(CollaborativeWiener.Stage, image, new[] { image, zeros(1, 1, 15, 16) }, image, zeros(1, 1)))
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
        // The groups come from the image given to match on, not from the pilots: the clean-ish pilot matched on the noisy image
        // filters differently from the same pilot matched on itself, and exactly like the stage run on those groups by hand.
        var matchedOnNoisy = CollaborativeWiener.Filter(noisy, new[] { pilot }, noisy, levels);
        (matchedOnNoisy - one).abs().max().ToDouble().Should().BeGreaterThan(1e-3);
        (matchedOnNoisy - CollaborativeFilter.Filter(CollaborativeWiener.Stage, noisy, new[] { pilot }, noisy, levels)).abs().max().ToDouble().Should().Be(0);
        FluentActions.Invoking(() => CollaborativeWiener.Filter(noisy, NoPilot, pilot, levels)).Should().Throw<ArgumentException>().WithMessage("*at least one pilot*");
    }
}
