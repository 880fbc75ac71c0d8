using Denoising.Flow.Denoisers;
using FluentAssertions;
using Xunit;

namespace Denoising.Flow.Tests.Denoisers;

public class PriorWeightTests
{
    [Fact]
    public void Discrepancy_KeepsTheMapScalingAndAdaptsItsOneFactorFromThePooledResidual()
    {
        var controller = PriorWeight.Discrepancy(initialGamma: 0.5, adaptationRate: 0.1, holdSteps: 0).CreateController(null);
        double[] sigmas = { 0.05, 0.2 };
        var initial = controller.Weights(0, sigmas, blurEnergy: 0.3);
        initial[0].Should().BeApproximately(0.5 * 2 * 0.0025 * 0.3, 1e-15);
        initial[1].Should().BeApproximately(0.5 * 2 * 0.04 * 0.3, 1e-15);

        // Pooled residual (0.0005 + 0.004) below the pooled noise energy (0.0025 + 0.04) * 0.3 = 0.01275: gamma rises by
        // exp(rate * average), the average being a tenth of the clipped log ratio after one step.
        controller.Observe(0, new[] { 0.0005, 0.004 }, sigmas, blurEnergy: 0.3);
        var raised = controller.Weights(1, sigmas, blurEnergy: 0.3);
        (raised[1] / raised[0]).Should().BeApproximately(16, 1e-9, "lambda stays proportional to sigma^2");
        double average = PriorWeightController.Discrepancy.Smoothing * Math.Min(1, Math.Log(0.01275 / 0.0045));
        controller.State!.Gamma.Should().BeApproximately(0.5 * Math.Exp(0.1 * average), 1e-12);
        controller.State.SmoothedLogRatio.Should().BeApproximately(average, 1e-12);

        // Resumed: the adapted state is restored exactly.
        var resumed = PriorWeight.Discrepancy().CreateController(controller.State);
        resumed.State.Should().Be(controller.State);
        resumed.Weights(0, sigmas, 0.3).Should().Equal(controller.Weights(0, sigmas, 0.3));
    }

    [Fact]
    public void Discrepancy_ResidualAboveTarget_LowersGamma()
    {
        var controller = PriorWeight.Discrepancy(initialGamma: 0.5, adaptationRate: 0.1, holdSteps: 0).CreateController(null);
        for (int step = 0; step < 20; step++) controller.Observe(step, new[] { 0.05 }, new[] { 0.1 }, blurEnergy: 1);
        controller.State!.Gamma.Should().BeLessThan(0.5);
    }

    [Fact]
    public void Discrepancy_WhileTheResidualIsStillZero_HoldsThenMovesGammaAtABoundedRate()
    {
        // The identity-initialised network's residual is ~0 at first: the undamped rule multiplied gamma by (target/observed)^rate,
        // up to ~1.6 per step. Now it is held for the hold steps, and then grows at most by exp(rate) per step.
        var controller = PriorWeight.Discrepancy(initialGamma: 0.25, adaptationRate: 0.02, holdSteps: 100).CreateController(null);
        var gammas = new List<double>();
        for (int step = 0; step < 300; step++)
        {
            controller.Observe(step, new[] { 1e-12, 1e-12 }, new[] { 0.1, 0.1 }, blurEnergy: 1);
            gammas.Add(controller.State!.Gamma);
        }
        gammas.Take(100).Should().AllSatisfy(g => g.Should().Be(0.25), "gamma is held during the first 100 steps");
        for (int i = 100; i < gammas.Count; i++) (gammas[i] / gammas[i - 1]).Should().BeLessThanOrEqualTo(Math.Exp(0.02) + 1e-12);
        gammas[^1].Should().BeLessThanOrEqualTo(0.25 * Math.Exp(0.02 * 200) + 1e-9);
    }

    [Fact]
    public void Discrepancy_OnTarget_KeepsGamma_AndTargetRatioAimsAtThatMultiple()
    {
        var controller = PriorWeight.Discrepancy(initialGamma: 0.3, adaptationRate: 0.1, targetRatio: 1.2, holdSteps: 0).CreateController(null);
        double[] sigmas = { 0.1 };
        controller.Observe(0, new[] { 0.012 }, sigmas, blurEnergy: 1); // exactly 1.2 sigma^2: on target
        controller.State!.Gamma.Should().BeApproximately(0.3, 1e-12);
        controller.Observe(1, new[] { 0.01 }, sigmas, blurEnergy: 1); // the plain noise energy is now below target: more prior
        controller.State.Gamma.Should().BeGreaterThan(0.3);
        PriorWeight.Discrepancy(targetRatio: 1.2).Description.Should().Contain("target-ratio=1.2");
    }

    [Fact]
    public void Discrepancy_UnusableMeasurements_ChangeNothing()
    {
        var controller = PriorWeight.Discrepancy(holdSteps: 0).CreateController(null);
        var before = controller.State;
        controller.Observe(0, new[] { double.NaN }, new[] { 0.1 }, 1);
        controller.Observe(1, new[] { 0.0 }, new[] { 0.1 }, 1);
        controller.Observe(2, new[] { 0.01 }, new[] { 0.0 }, 1);
        controller.State.Should().Be(before);
    }

    [Fact]
    public void ConstantAndScheduled_GiveTheirValues()
    {
        PriorWeight.Constant(0.3).CreateController(null).Weights(5, new double[2], 1).Should().Equal(0.3, 0.3);
        PriorWeight.Constant(0.3).CreateController(null).State.Should().BeNull();
        PriorWeight.Scheduled(s => s * 0.1, "ramp").CreateController(null).Weights(3, new double[1], 1)[0].Should().BeApproximately(0.3, 1e-12);
        var bad = () => PriorWeight.Scheduled(_ => double.NaN, "nan").CreateController(null).Weights(0, new double[1], 1);
        bad.Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public void FadedOut_FollowsAHalfCosineToZero_AndFreezesTheAdaptedFactor()
    {
        var faded = PriorWeight.Discrepancy(initialGamma: 0.5, adaptationRate: 0.1, holdSteps: 0).FadedOut(10, 30);
        faded.Description.Should().Contain("discrepancy").And.Contain("faded out over steps 10-30");
        var controller = faded.CreateController(null);
        double[] sigmas = { 0.1 }, lowResidual = { 1e-4 };
        for (int step = 0; step < 10; step++) controller.Observe(step, lowResidual, sigmas, 1);
        double gamma = controller.State!.Gamma;
        gamma.Should().BeGreaterThan(0.5, "before the fade the policy adapts as usual");
        double map = 2 * 0.1 * 0.1;
        controller.Weights(9, sigmas, 1)[0].Should().BeApproximately(gamma * map, 1e-15);
        controller.Weights(10, sigmas, 1)[0].Should().BeApproximately(gamma * map, 1e-15);
        controller.Weights(20, sigmas, 1)[0].Should().BeApproximately(0.5 * gamma * map, 1e-15, "half-way down the half cosine");
        controller.Weights(25, sigmas, 1)[0].Should().BeApproximately(0.5 * (1 + Math.Cos(Math.PI * 0.75)) * gamma * map, 1e-15);
        controller.Weights(30, sigmas, 1)[0].Should().Be(0);
        controller.Weights(1000, sigmas, 1)[0].Should().Be(0);

        // During the fade the residual rises towards the noise; the frozen gamma must not climb to undo the fade.
        for (int step = 10; step < 40; step++) controller.Observe(step, lowResidual, sigmas, 1);
        controller.State!.Gamma.Should().Be(gamma);

        // Resumed from a checkpoint's state: the same weights at the same steps.
        var resumed = faded.CreateController(controller.State);
        resumed.Weights(20, sigmas, 1).Should().Equal(controller.Weights(20, sigmas, 1));
    }

    [Fact]
    public void FadedOut_RejectsAnEmptyOrNegativeRange()
    {
        ((Action)(() => PriorWeight.Constant(0.1).FadedOut(-1, 10))).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("fromStep");
        ((Action)(() => PriorWeight.Constant(0.1).FadedOut(10, 10))).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("toStep");
    }

    [Fact]
    public void Factories_RejectInvalidValues()
    {
        ((Action)(() => PriorWeight.Constant(-1))).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => PriorWeight.Discrepancy(noiseSigma255: 0))).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => PriorWeight.Discrepancy(noiseSigma255: 300))).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => PriorWeight.Discrepancy(adaptationRate: 2))).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => PriorWeight.Discrepancy(initialGamma: 0))).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => PriorWeight.Discrepancy(targetRatio: 0.1))).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => PriorWeight.Discrepancy(holdSteps: -1))).Should().Throw<ArgumentOutOfRangeException>();
    }
}
