using Denoising.Flow.Blur;
using Denoising.Flow.Denoisers;
using Denoising.Flow.Metrics;
using Denoising.Flow.Noise;
using Denoising.Flow.Persistence;
using Denoising.Flow.Tests.TestSupport;
using Denoising.Flow.Training;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Denoisers;

public sealed class DenoiserTrainerTests : IDisposable
{
    private readonly TempFolder folder = new();
    private readonly ITestOutputHelper output;

    public DenoiserTrainerTests(ITestOutputHelper output) => this.output = output;

    public void Dispose() => folder.Dispose();

    private static DenoiserTrainer Tiny(Tensor[] noisyOrClean, long steps) => new DenoiserTrainer(TinyModels.SharedPrior())
        .WithNoisyImages(noisyOrClean)
        .WithNetwork(residualBlocks: 3, width: 16)
        .WithPatchSize(16).WithBatchSize(16)
        .WithLearningRate(2e-3, warmupSteps: 10)
        .WithSteps(steps)
        .OnDevice(CPU);

    [Fact]
    public void Train_WithInvalidConfiguration_ListsEveryProblemAtOnce()
    {
        var act = () => new DenoiserTrainer().WithPatchSize(0).WithBatchSize(-1).WithNetwork(-1, 0).Train();
        act.Should().Throw<ArgumentException>().Where(e =>
            e.Message.Contains("Prior:") && e.Message.Contains("NoisyImages") && e.Message.Contains("BatchSize")
            && e.Message.Contains("ResidualBlocks") && e.Message.Contains("Width") && e.Message.Contains("Budget"));
    }

    [Fact]
    public void Train_PatchNotMultipleOfPriorSize_Throws()
    {
        var act = () => Tiny(SyntheticImages.Create(2, 32, 1), 5).WithPatchSize(18).Train();
        act.Should().Throw<ArgumentException>().WithMessage("*PatchSize*multiple*4*18*");
    }

    [Fact]
    public void Train_ColorImagesWithGrayscalePrior_ThrowsChannelMismatch()
    {
        using var scope = NewDisposeScope();
        var act = () => Tiny(new[] { rand(3, 32, 32) }, 5).Train();
        act.Should().Throw<ArgumentException>().WithMessage("*3 channel(s)*takes 1*");
    }

    [Fact]
    public void Train_ManySteps_LeaksNoTensors()
    {
        var liveCounts = new List<long>();
        var progress = new SynchronousProgress<TrainingProgress>(p => liveCounts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount));
        using var denoiser = Tiny(SyntheticImages.Create(3, 32, 4), steps: 60).WithSyntheticNoise(GaussianNoise.Fixed(25)).Train(progress);
        liveCounts.Should().HaveCount(6);
        liveCounts.Skip(1).Should().AllSatisfy(c => c.Should().Be(liveCounts[1]), "live tensors must not grow from step to step");
    }

    [Fact]
    public void Train_AtLearningRate10_IsStoppedAsDivergedInsteadOfSucceedingWithARuinedModel()
    {
        var act = () => Tiny(SyntheticImages.Create(4, 32, seed: 9), 300).WithLearningRate(10, 0)
            .WithSyntheticNoise(GaussianNoise.Fixed(25)).Train();

        act.Should().Throw<TrainingDivergedException>().Which.Step.Should().BeLessThan(300);
    }

    [Fact]
    public void Train_WithTheSureDataTerm_NeedsTheIdentityBlurAndTrainsToAFiniteLoss()
    {
        var images = SyntheticImages.Create(4, 32, seed: 12);
        var blurred = Tiny(images, 10).WithBlur(BlurKernels.Gaussian(1.0)).WithSyntheticNoise(GaussianNoise.Fixed(25)).WithDataTerm(DataTerm.Sure);
        ((Action)(() => blurred.Train())).Should().Throw<ArgumentException>().WithMessage("*DataTerm: Sure needs the identity blur*");

        string checkpoint = folder.File("sure.ckpt"), saved = folder.File("sure.dnflow");
        var trainer = Tiny(images, 40).WithSyntheticNoise(GaussianNoise.Fixed(25)).WithDataTerm(DataTerm.Sure).WithCheckpoint(checkpoint);
        var losses = new List<double>();
        using var denoiser = trainer.Train(new SynchronousProgress<TrainingProgress>(p => losses.Add(p.Loss)));

        denoiser.Info.Steps.Should().Be(40);
        losses.Should().OnlyContain(l => double.IsFinite(l));
        denoiser.Info.DataTerm.Should().Be(DataTerm.Sure, "the model records the term it was trained with");
        denoiser.Save(saved);
        using (var loaded = Denoiser.Load(saved, CPU)) loaded.Info.DataTerm.Should().Be(DataTerm.Sure);
        using (var snapshot = Denoiser.LoadTrainingCheckpoint(checkpoint, CPU)) snapshot.Info.DataTerm.Should().Be(DataTerm.Sure);
    }

    [Fact]
    public void Train_WithSureAndAConstantWeight_StillEstimatesTheNoiseLevelsSureNeeds()
    {
        // Neither a constant lambda nor a network without noise input needs sigma, but SURE does: with sigma 0 it would be the
        // plain residual, whose minimum is the identity.
        using var denoiser = Tiny(SyntheticImages.Create(3, 32, 6), 3)
            .WithSyntheticNoise(GaussianNoise.Fixed(25), seed: 1)
            .WithPriorWeight(PriorWeight.Constant(0))
            .WithNetwork(new DenoiserNetworkOptions { ResidualBlocks = 2, Width = 8, NoiseLevelInput = false })
            .WithDataTerm(DataTerm.Sure)
            .Train();

        denoiser.Info.NoiseSigmas255.Should().HaveCount(3);
        denoiser.Info.NoiseSigmas255[1].Should().BeInRange(15, 35, "the images carry sigma 25 noise");
    }

    [Fact]
    public void Train_ResumedWithAnotherDataTerm_WarnsAndContinuesUnderTheNewOne()
    {
        var images = SyntheticImages.Create(3, 32, seed: 13);
        string checkpoint = folder.File("switch.ckpt");
        using (Tiny(images, 4).WithSyntheticNoise(GaussianNoise.Fixed(25)).WithCheckpoint(checkpoint).Train()) { }

        var logger = new ListLogger();
        using var resumed = Tiny(images, 6).WithSyntheticNoise(GaussianNoise.Fixed(25)).WithDataTerm(DataTerm.Sure).WithCheckpoint(checkpoint).WithLogger(logger).Train();

        resumed.Info.Steps.Should().Be(6);
        resumed.Info.DataTerm.Should().Be(DataTerm.Sure);
        logger.Entries.Should().Contain(e => e.Level == LogLevel.Warning && e.Message.Contains("DataTerm \"Residual\" -> \"Sure\""));

        var quiet = new ListLogger();
        using (Tiny(images, 8).WithSyntheticNoise(GaussianNoise.Fixed(25)).WithDataTerm(DataTerm.Sure).WithCheckpoint(checkpoint).WithLogger(quiet).Train()) { }
        quiet.Entries.Should().NotContain(e => e.Level == LogLevel.Warning, "the same settings resume silently");
    }

    [Fact]
    public void Train_WithWeightAveraging_ReturnsTheAverage_AndTheCheckpointHoldsBoth()
    {
        var images = SyntheticImages.Create(3, 32, seed: 17);
        string checkpoint = folder.File("average.ckpt");
        using var averaged = Tiny(images, 12).WithSyntheticNoise(GaussianNoise.Fixed(25)).WithWeightAveraging(3).WithCheckpoint(checkpoint).Train();
        using var scope = NewDisposeScope();
        var probe = images[0] + (0.1 * randn(images[0].shape, generator: new Generator(3)));
        using (var fromCheckpoint = Denoiser.LoadTrainingCheckpoint(checkpoint, CPU))
            (fromCheckpoint.Denoise(probe) - averaged.Denoise(probe)).abs().max().ToDouble().Should().Be(0, "the checkpoint's denoiser is the average training returned");
        using (var last = Denoiser.LoadTrainingCheckpoint(checkpoint, CPU, averaged: false))
            (last.Denoise(probe) - averaged.Denoise(probe)).abs().max().ToDouble().Should().BeGreaterThan(1e-4, "the average is not the last weights");
        CheckpointFile.Read(checkpoint, "DenoiserTraining").ConfigJson.Should().Contain("\"WeightAverageHalfLife\":3");
    }

    [Fact]
    public void Train_WithWeightAveraging_ResumedRun_ContinuesTheAverageExactly()
    {
        var images = SyntheticImages.Create(3, 32, seed: 19);
        DenoiserTrainer Run(long steps) => Tiny(images, steps).WithSyntheticNoise(GaussianNoise.Fixed(25)).WithWeightAveraging(4);
        using var straight = Run(10).Train();

        string checkpoint = folder.File("resume-average.ckpt");
        using (Run(5).WithCheckpoint(checkpoint).Train()) { }
        var logger = new ListLogger();
        using var resumed = Run(10).WithCheckpoint(checkpoint).WithLogger(logger).Train();

        using var scope = NewDisposeScope();
        var probe = images[1] + (0.1 * randn(images[1].shape, generator: new Generator(4)));
        (resumed.Denoise(probe) - straight.Denoise(probe)).abs().max().ToDouble().Should().BeLessThan(1e-6);
        logger.Entries.Should().NotContain(e => e.Level == LogLevel.Warning);
    }

    [Fact]
    public void Train_WithWeightAveraging_FromACheckpointWithoutAnAverage_WarnsAndStartsItAgain()
    {
        var images = SyntheticImages.Create(3, 32, seed: 23);
        string checkpoint = folder.File("plain.ckpt");
        using (Tiny(images, 4).WithSyntheticNoise(GaussianNoise.Fixed(25)).WithCheckpoint(checkpoint).Train()) { }
        var logger = new ListLogger();
        using var resumed = Tiny(images, 6).WithSyntheticNoise(GaussianNoise.Fixed(25)).WithWeightAveraging(4).WithCheckpoint(checkpoint).WithLogger(logger).Train();
        resumed.Info.Steps.Should().Be(6);
        logger.Entries.Should().Contain(e => e.Level == LogLevel.Warning && e.Message.Contains("holds no weight average"));
        logger.Entries.Should().Contain(e => e.Level == LogLevel.Warning && e.Message.Contains("WeightAverageHalfLife"));
    }

    [Fact]
    public void Train_WithTheWeightFadedOut_NeedsSureAndEndsWithoutThePrior()
    {
        var images = SyntheticImages.Create(3, 32, seed: 14);
        var faded = PriorWeight.Discrepancy().FadedOut(10, 20);
        var residual = Tiny(images, 30).WithSyntheticNoise(GaussianNoise.Fixed(25)).WithPriorWeight(faded).WithBatchSize(0);
        ((Action)(() => residual.Train())).Should().Throw<ArgumentException>()
            .Where(e => e.Message.Contains("PriorWeight:") && e.Message.Contains("faded out") && e.Message.Contains("DataTerm.Sure") && e.Message.Contains("BatchSize"));

        var lambdas = new List<(long Step, double Lambda)>();
        using var denoiser = Tiny(images, 30).WithSyntheticNoise(GaussianNoise.Fixed(25)).WithPriorWeight(faded).WithDataTerm(DataTerm.Sure)
            .Train(new SynchronousProgress<TrainingProgress>(p => lambdas.Add((p.Step, p.PriorWeight))));
        denoiser.Info.Steps.Should().Be(30);
        denoiser.Info.PriorWeight.Should().Contain("faded out over steps 10-20");
        lambdas.Should().Contain(p => p.Step <= 10 && p.Lambda > 0, "before the fade the prior weighs in");
        lambdas.Where(p => p.Step > 20).Should().NotBeEmpty().And.OnlyContain(p => p.Lambda == 0, "after the fade SURE alone trains the network");
    }

    [Fact]
    public void Train_WithANegativeAveragingHalfLife_IsRefusedWithTheOtherProblems()
    {
        var act = () => new DenoiserTrainer().WithWeightAveraging(-2).WithBatchSize(0).Train();
        act.Should().Throw<ArgumentException>().Where(e => e.Message.Contains("WeightAveraging") && e.Message.Contains("-2") && e.Message.Contains("BatchSize"));
    }

    [Fact]
    public void SureDataTerm_IsTheResidualMinusTheNoiseEnergyPlusTwiceItTimesTheDivergence()
    {
        using var scope = NewDisposeScope();
        var prior = TinyModels.SharedPrior();
        var plain = new UnpairedDenoisingLoss(prior.Model, BlurKernels.Identity, PriorWeight.Constant(0), dequantizePriorInput: false, seed: 1);
        var noisy = rand(2, 1, 16, 16);
        var output = noisy * 0.9;
        double[] sigmas = [0.1, 0.2];
        var divergence = tensor(new[] { 0.5f, 0.25f });

        var residual = plain.Compute(0, output, noisy, sigmas);
        var sure = plain.Compute(0, output, noisy, sigmas, divergence);

        var data = residual.Data.data<float>().ToArray();
        double expected = ((data[0] - 0.01 + (2 * 0.01 * 0.5)) + (data[1] - 0.04 + (2 * 0.04 * 0.25))) / 2;
        sure.Total.ToDouble().Should().BeApproximately(expected, 1e-6);
        sure.Data.data<float>().ToArray().Should().Equal(data, "the lambda policy still sees the plain residual");
    }

    [Fact]
    public void Train_CancelledThenResumed_ContinuesWithAdaptedLambda()
    {
        var images = SyntheticImages.Create(4, 32, seed: 8);
        var checkpoint = folder.File("denoiser.ckpt");
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress<TrainingProgress>(p => { if (p.Step >= 20) cancel.Cancel(); });
        var act = () => Tiny(images, 1000).WithSyntheticNoise(GaussianNoise.Fixed(25)).WithCheckpoint(checkpoint).Train(progress, cancel.Token);
        act.Should().Throw<OperationCanceledException>();
        var state = CheckpointFile.Read(checkpoint, "DenoiserTraining").StateJson;
        state.Should().Contain("\"Step\":20").And.Contain("Gamma");

        using (var snapshot = Denoiser.LoadTrainingCheckpoint(checkpoint, CPU))
        {
            snapshot.Info.Steps.Should().Be(20);
            snapshot.Network.ResidualBlocks.Should().Be(3);
            snapshot.Denoise(images[0]).shape.Should().Equal(images[0].shape);
        }

        using var resumed = Tiny(images, 30).WithSyntheticNoise(GaussianNoise.Fixed(25)).WithCheckpoint(checkpoint).Train();
        resumed.Info.Steps.Should().Be(30);
    }

    [Fact]
    public void Train_WithBlurAndConstantWeight_RecordsSettings()
    {
        using var denoiser = Tiny(SyntheticImages.Create(3, 32, 6), 5)
            .WithSyntheticNoise(GaussianNoise.Range(10, 40), seed: 1)
            .WithBlur(BlurKernels.Gaussian(1.0))
            .WithPriorWeight(PriorWeight.Constant(0.002))
            .WithNetwork(new DenoiserNetworkOptions { ResidualBlocks = 3, Width = 16, NoiseLevelInput = true })
            .Train();
        denoiser.Blur.Name.Should().StartWith("gaussian");
        denoiser.Info.PriorWeight.Should().StartWith("constant");
        denoiser.Info.FinalPriorWeight.Should().BeApproximately(0.002, 1e-15);
        denoiser.Info.NoiseSigmas255.Should().HaveCount(3, "the network takes the noise levels, so they were estimated");
        denoiser.Info.Steps.Should().Be(5);
        denoiser.Info.DataTerm.Should().Be(DataTerm.Residual, "the paper's term is the default");
    }

    [Fact]
    public void Train_BlindWithNoiseLevelInput_DenoisesLowAndHighNoise()
    {
        // One model over a noise range: the network is told each training image's estimated noise level and, at inference,
        // the level estimated from the test image itself. Noisy images only, the default damped discrepancy.
        using var scope = NewDisposeScope();
        using var denoiser = new DenoiserTrainer(TinyModels.SharedPrior())
            .WithNoisyImages(SyntheticImages.Create(12, 48, seed: 21))
            .WithSyntheticNoise(GaussianNoise.Range(5, 50), seed: 4)
            .WithNetwork(new DenoiserNetworkOptions { ResidualBlocks = 3, Width = 16, NoiseLevelInput = true })
            .WithPriorWeight(PriorWeight.Discrepancy())
            .WithPatchSize(16).WithBatchSize(16)
            .WithLearningRate(2e-3, warmupSteps: 10)
            .WithSteps(250)
            .OnDevice(CPU)
            .Train();
        denoiser.Network.NoiseLevelInput.Should().BeTrue();

        var test = stack(SyntheticImages.Create(4, 48, seed: 98));
        foreach (double sigma in new[] { 15.0, 40.0 })
        {
            using var noisy = GaussianNoise.Fixed(sigma).Apply(test, seed: 5);
            double before = ImageQuality.PsnrBatch(noisy.Noisy.clamp(0, 1), test).Average();
            double after = ImageQuality.PsnrBatch(denoiser.Denoise(noisy.Noisy), test).Average();
            output.WriteLine($"sigma {sigma}: PSNR noisy {before:F2} dB -> denoised {after:F2} dB");
            after.Should().BeGreaterThan(before + 2, $"at sigma {sigma} denoising must clearly help (noisy {before:F2} dB, denoised {after:F2} dB)");
        }
    }

    [Theory]
    [InlineData(DenoiserArchitecture.ResNet, false)]
    [InlineData(DenoiserArchitecture.FfdNet, false)]
    [InlineData(DenoiserArchitecture.UNet, false)]
    [InlineData(DenoiserArchitecture.ResNet, true)]
    public void Train_OnNoisyImagesOnly_RaisesPsnrClearly_AndSavesAndLoads(DenoiserArchitecture architecture, bool bounded)
    {
        // Unpaired: the prior saw other clean images; the denoiser sees only noisy versions of its own images. Each body, and the
        // sigmoid output whose prior input is dequantised.
        using var scope = NewDisposeScope();
        using var denoiser = Tiny(SyntheticImages.Create(10, 48, seed: 20), steps: 250)
            .WithNetwork(new DenoiserNetworkOptions
            {
                // A UNet stage of one block costs about what 2.5 ResNet blocks do (five stages, half of them at lower resolution).
                Architecture = architecture, ResidualBlocks = architecture == DenoiserArchitecture.UNet ? 1 : 3, Width = 16, BoundedOutput = bounded,
            })
            .WithSyntheticNoise(GaussianNoise.Fixed(25), seed: 3)
            .WithPriorWeight(PriorWeight.Discrepancy(noiseSigma255: 25))
            .Train();
        var test = stack(SyntheticImages.Create(4, 48, seed: 99));
        using var noisy = GaussianNoise.Fixed(25).Apply(test, seed: 5);
        var denoised = denoiser.Denoise(noisy.Noisy);
        double before = ImageQuality.PsnrBatch(noisy.Noisy.clamp(0, 1), test).Average();
        double after = ImageQuality.PsnrBatch(denoised, test).Average();
        output.WriteLine($"{architecture}, bounded {bounded}: PSNR noisy {before:F2} dB -> denoised {after:F2} dB, final lambda {denoiser.Info.FinalPriorWeight:G3}");
        after.Should().BeGreaterThan(before + 3, $"denoising must clearly help (noisy {before:F2} dB, denoised {after:F2} dB)");

        string path = folder.File("model.dnflow");
        denoiser.Save(path);
        using var loaded = Denoiser.Load(path, CPU);
        loaded.Network.Should().Be(denoiser.Network);
        (loaded.Denoise(noisy.Noisy) - denoised).abs().max().ToDouble().Should().Be(0);
    }
}
