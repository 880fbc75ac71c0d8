using Denoising.Flow.Imaging;
using Denoising.Flow.Metrics;
using Denoising.Flow.Noise;
using Denoising.Flow.Tests.TestSupport;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Integration;

/// <summary>Real photographs from ../shared/data, when present (skipped with a reason otherwise).</summary>
public class RealImageTests
{
    [SkippableFact]
    public void Set12_NoisyAtSigma25_HasTheExpectedPsnrAndEstimatedNoiseLevel()
    {
        Skip.If(SharedData.Folder is null, SharedData.MissingReason);
        using var scope = NewDisposeScope();
        var clean = ImageIO.Read(Path.Combine(SharedData.Folder!, "set12", "02.png"), new ImageReadOptions { ColorMode = ImageColorMode.Grayscale });
        clean.shape[0].Should().Be(1);
        using var noisy = GaussianNoise.Fixed(25).Apply(clean.unsqueeze(0), seed: 1);
        // PSNR of unclipped sigma-25 noise is 20*log10(255/25) = 20.17 dB; clipping to [0, 1] raises it slightly.
        ImageQuality.Psnr(noisy.Noisy.squeeze(0).clamp(0, 1), clean).Should().BeInRange(20.0, 20.6);
        NoiseLevelEstimator.Estimate(noisy.Noisy.squeeze(0)).Should().BeApproximately(25, 2.5);
    }

    [SkippableFact]
    public void Train400_GrayscalePngs_ReadAsOneChannel180x180()
    {
        Skip.If(SharedData.Folder is null, SharedData.MissingReason);
        var files = ImageIO.ListImages(Path.Combine(SharedData.Folder!, "train400"));
        files.Should().HaveCount(400);
        var info = ImageIO.Identify(files[0]);
        (info.Width, info.Height, info.Channels).Should().Be((180, 180, 1));
    }
}
