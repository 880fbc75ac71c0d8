using Denoising.Flow.Denoisers;
using FluentAssertions;
using Xunit;

namespace Denoising.Flow.Tests.Denoisers;

public class PriorWeightTests
{
    [Fact]
    public void Discrepancy_RaisesLambdaWhileResidualIsBelowNoiseEnergy_AndLowersItAbove()
    {
        var controller = PriorWeight.Discrepancy(initialLambda: 0.01, adaptationRate: 0.1).CreateController(null);
        var sigmas = new[] { 0.1, 0.1 };
        controller.Observe(new[] { 0.001, 0.001 }, sigmas, blurEnergy: 1); // residual 0.001 < sigma^2 = 0.01
        controller.Lambda.Should().BeGreaterThan(0.01);
        var raised = controller.Lambda!.Value;
        controller.Observe(new[] { 0.1, 0.1 }, sigmas, blurEnergy: 1);
        controller.Lambda.Should().BeLessThan(raised);
        controller.Weights(0, sigmas, 1).Should().AllSatisfy(w => w.Should().Be(controller.Lambda!.Value));
    }

    [Fact]
    public void Discrepancy_AtTargetEnergy_KeepsLambda()
    {
        var controller = PriorWeight.Discrepancy(initialLambda: 0.02).CreateController(null);
        controller.Observe(new[] { 0.01 * 0.25 }, new[] { 0.1 }, blurEnergy: 0.25);
        controller.Lambda.Should().BeApproximately(0.02, 1e-12);
    }

    [Fact]
    public void Discrepancy_ResumedLambda_IsRestored()
    {
        PriorWeight.Discrepancy(initialLambda: 0.02).CreateController(new Dictionary<string, double> { ["lambda"] = 0.5 }).Lambda.Should().Be(0.5);
    }

    [Fact]
    public void DiscrepancyPerNoiseLevel_AdaptsEachNoiseBinSeparately()
    {
        var controller = PriorWeight.DiscrepancyPerNoiseLevel(binWidth255: 10, initialGamma: 0.5, adaptationRate: 0.1).CreateController(null);
        double low = 12 / 255.0, high = 47 / 255.0; // bins [10, 20) and [40, 50)
        var initial = controller.Weights(0, new[] { low, high }, blurEnergy: 1);
        initial[0].Should().BeApproximately(0.5 * 2 * Math.Pow(15 / 255.0, 2), 1e-12, "a new bin starts at gamma times the MAP weight of its center");
        initial[1].Should().BeApproximately(0.5 * 2 * Math.Pow(45 / 255.0, 2), 1e-12);

        controller.Observe(new[] { low * low * 0.5, high * high }, new[] { low, high }, blurEnergy: 1);
        var after = controller.Weights(1, new[] { low, high }, blurEnergy: 1);
        after[0].Should().BeGreaterThan(initial[0], "the low-noise bin's residual was below its noise energy");
        after[1].Should().BeApproximately(initial[1], 1e-12, "the high-noise bin was on target");

        var resumed = PriorWeight.DiscrepancyPerNoiseLevel(binWidth255: 10, initialGamma: 0.5, adaptationRate: 0.1).CreateController(controller.State);
        resumed.Weights(0, new[] { low, high }, 1).Should().Equal(after);
    }

    [Fact]
    public void ScaledDiscrepancy_KeepsTheMapScalingAndAdaptsItsOneFactorFromThePooledResidual()
    {
        var controller = PriorWeight.ScaledDiscrepancy(initialGamma: 0.5, adaptationRate: 0.1).CreateController(null);
        double[] sigmas = { 0.05, 0.2 };
        var initial = controller.Weights(0, sigmas, blurEnergy: 0.3);
        initial[0].Should().BeApproximately(0.5 * 2 * 0.0025 * 0.3, 1e-15);
        initial[1].Should().BeApproximately(0.5 * 2 * 0.04 * 0.3, 1e-15);

        // Pooled residual (0.0005 + 0.004) below the pooled noise energy (0.0025 + 0.04) * 0.3 = 0.01275: gamma rises.
        controller.Observe(new[] { 0.0005, 0.004 }, sigmas, blurEnergy: 0.3);
        var raised = controller.Weights(1, sigmas, blurEnergy: 0.3);
        raised[0].Should().BeGreaterThan(initial[0]);
        (raised[1] / raised[0]).Should().BeApproximately(16, 1e-9, "lambda stays proportional to sigma^2");
        double expectedGamma = 0.5 * Math.Exp(0.1 * Math.Log(0.01275 / 0.0045));
        controller.State["gamma"].Should().BeApproximately(expectedGamma, 1e-12);

        // On target: unchanged. Resumed: the adapted gamma is restored.
        controller.Observe(new[] { 0.01275 / 2, 0.01275 / 2 }, sigmas, blurEnergy: 0.3);
        controller.State["gamma"].Should().BeApproximately(expectedGamma, 1e-12);
        PriorWeight.ScaledDiscrepancy().CreateController(controller.State).Weights(0, sigmas, 0.3).Should().Equal(controller.Weights(0, sigmas, 0.3));
        ((Action)(() => PriorWeight.ScaledDiscrepancy(initialGamma: 0))).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => PriorWeight.ScaledDiscrepancy(adaptationRate: 1))).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => PriorWeight.ScaledDiscrepancy(targetRatio: 0.1))).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void ScaledDiscrepancy_TargetRatio_AimsAtThatMultipleOfTheNoiseEnergy()
    {
        var controller = PriorWeight.ScaledDiscrepancy(initialGamma: 0.3, adaptationRate: 0.1, targetRatio: 1.2).CreateController(null);
        double[] sigmas = { 0.1 };
        controller.Observe(new[] { 0.012 }, sigmas, blurEnergy: 1); // exactly 1.2 sigma^2: on target
        controller.State["gamma"].Should().BeApproximately(0.3, 1e-12);
        controller.Observe(new[] { 0.01 }, sigmas, blurEnergy: 1); // the plain noise energy is now below target: more prior
        controller.State["gamma"].Should().BeGreaterThan(0.3);
        PriorWeight.ScaledDiscrepancy(targetRatio: 1.2).Description.Should().Contain("target-ratio=1.2");
    }

    [Fact]
    public void NoiseAdaptive_IsGammaTimesMapWeight()
    {
        var weights = PriorWeight.NoiseAdaptive(0.5).CreateController(null).Weights(0, new[] { 0.1, 0.2 }, blurEnergy: 0.3);
        weights[0].Should().BeApproximately(0.5 * 2 * 0.01 * 0.3, 1e-15);
        weights[1].Should().BeApproximately(0.5 * 2 * 0.04 * 0.3, 1e-15);
    }

    [Fact]
    public void ConstantAndScheduled_GiveTheirValues()
    {
        PriorWeight.Constant(0.3).CreateController(null).Weights(5, new double[2], 1).Should().Equal(0.3, 0.3);
        PriorWeight.Scheduled(s => s * 0.1, "ramp").CreateController(null).Weights(3, new double[1], 1)[0].Should().BeApproximately(0.3, 1e-12);
        var bad = () => PriorWeight.Scheduled(_ => double.NaN, "nan").CreateController(null).Weights(0, new double[1], 1);
        bad.Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public void Factories_RejectInvalidValues()
    {
        ((Action)(() => PriorWeight.Constant(-1))).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => PriorWeight.Discrepancy(noiseSigma255: 0))).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => PriorWeight.Discrepancy(adaptationRate: 2))).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => PriorWeight.NoiseAdaptive(0))).Should().Throw<ArgumentOutOfRangeException>();
    }
}
