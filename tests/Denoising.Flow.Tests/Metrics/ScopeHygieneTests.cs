using Denoising.Flow.Metrics;
using Denoising.Flow.Noise;
using FluentAssertions;
using TorchSharp;
using Xunit;

namespace Denoising.Flow.Tests.Metrics;

/// <summary>Entry points that return numbers leave no tensor behind in the caller's dispose scope.</summary>
public class ScopeHygieneTests
{
    [Fact]
    public void PsnrSsimAndEstimate_InsideScope_LeaveNoTensors()
    {
        using var x = torch.rand(2, 3, 16, 16);
        using var y = torch.rand(2, 3, 16, 16);
        using var img = x[0];
        using var refImg = y[0];
        using var scope = torch.NewDisposeScope();
        ImageQuality.PsnrBatch(x, y);
        ImageQuality.SsimBatch(x, y);
        ImageQuality.Psnr(img, refImg);
        ImageQuality.Ssim(img, refImg);
        NoiseLevelEstimator.Estimate(img);
        NoiseLevelEstimator.EstimateBatch(x);
        scope.DisposablesCount.Should().Be(0);
    }

    [Fact]
    public void GaussianNoiseApply_InsideScope_LeavesOnlyTheResult()
    {
        using var x = torch.rand(2, 3, 8, 8);
        using var scope = torch.NewDisposeScope();
        int before = scope.DisposablesCount;
        using var noisy = GaussianNoise.Range(5, 20).Apply(x, 1);
        scope.DisposablesCount.Should().Be(before + 1);
    }
}
