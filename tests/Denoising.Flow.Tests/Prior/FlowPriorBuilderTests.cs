using Denoising.Flow.Flows;
using Denoising.Flow.Imaging;
using Denoising.Flow.Persistence;
using Denoising.Flow.Prior;
using Denoising.Flow.Tests.TestSupport;
using Denoising.Flow.Training;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Prior;

public sealed class FlowPriorBuilderTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Train_WithInvalidConfiguration_ListsEveryProblemAtOnce()
    {
        var act = () => new FlowPriorBuilder().WithPatchSize(30).WithBatchSize(0).WithLearningRate(-1).Train();
        act.Should().Throw<ArgumentException>().Where(e =>
            e.Message.Contains("CleanImages") && e.Message.Contains("PatchSize") && e.Message.Contains("BatchSize")
            && e.Message.Contains("LearningRate") && e.Message.Contains("Budget"));
    }

    [Fact]
    public void Train_ShortRun_LowersNllOnHeldAsideImages()
    {
        using var scope = NewDisposeScope();
        var train = SyntheticImages.Create(10, 48, seed: 1);
        var heldAside = SyntheticImages.Create(4, 32, seed: 2).Select(i => i.narrow(1, 0, 32)).ToArray();
        var batch = stack(heldAside);
        using var untrained = TinyModels.PriorBuilder(train, steps: 1).WithLearningRate(1e-9, 0).Train();
        using var trained = TinyModels.PriorBuilder(train, steps: 150).WithLearningRate(3e-3, 10).Train();
        double before = untrained.BitsPerDim(batch, dequantize: true, new Generator(1)).mean().ToDouble();
        double after = trained.BitsPerDim(batch, dequantize: true, new Generator(1)).mean().ToDouble();
        after.Should().BeLessThan(before - 1.0, $"training should lower the NLL on unseen images (before {before:F3}, after {after:F3} bits/dim)");
        trained.Info.Steps.Should().Be(150);
        trained.Info.TrainingImages.Should().Be(10);
    }

    [Fact]
    public void SaveThenLoad_GivesIdenticalLikelihoodAndInfo()
    {
        using var scope = NewDisposeScope();
        var prior = TinyModels.SharedPrior();
        var path = folder.File("prior.dnflow");
        prior.Save(path);
        using var loaded = FlowPrior.Load(path, CPU);
        var x = stack(SyntheticImages.Create(2, 16, seed: 5));
        (loaded.LogLikelihood(x) - prior.LogLikelihood(x)).abs().max().ToDouble().Should().Be(0);
        loaded.Info.Should().Be(prior.Info);
        loaded.Architecture.Should().Be(prior.Architecture);
    }

    [Fact]
    public void Load_OtherArchitectureWeights_ThrowsCheckpointException()
    {
        var prior = TinyModels.SharedPrior();
        var path = folder.File("prior.dnflow");
        prior.Save(path);
        var contents = CheckpointFile.Read(path, "FlowPrior");
        var otherConfig = Json.Write(prior.Architecture with { HiddenChannels = 8 });
        CheckpointFile.Write(path, "FlowPrior", otherConfig, contents.StateJson, contents.Sections.ToArray());
        var act = () => FlowPrior.Load(path, CPU);
        act.Should().Throw<CheckpointException>().WithMessage("*weights do not match the architecture*");
    }

    [Fact]
    public void LogLikelihood_IsDifferentiableWithRespectToImagesButNotParameters()
    {
        using var scope = NewDisposeScope();
        var prior = TinyModels.SharedPrior();
        var x = stack(SyntheticImages.Create(2, 16, seed: 6)).requires_grad_(true);
        prior.LogLikelihood(x).sum().backward();
        x.grad.Should().NotBeNull();
        x.grad!.abs().sum().ToDouble().Should().BeGreaterThan(0);
        prior.Model.parameters().Should().OnlyContain(p => !p.requires_grad);
    }

    [Fact]
    public void Sample_GivesImagesOfRequestedShape()
    {
        using var scope = NewDisposeScope();
        var samples = TinyModels.SharedPrior().Sample(2, 16, 8, 0.5, new Generator(3));
        samples.shape.Should().Equal(2, 1, 16, 8);
    }

    [Fact]
    public void Train_WithWeightAveraging_ReturnsTheAverage_AsGoodAPriorAsTheLastWeights()
    {
        // The prior stage shares the training loop: its ActNorm layers initialise from the first batch (a buffer flag that must
        // stay 0 or 1) while their parameters are averaged from the step they start at.
        using var scope = NewDisposeScope();
        var train = SyntheticImages.Create(10, 48, seed: 1);
        var batch = stack(SyntheticImages.Create(4, 32, seed: 2).Select(i => i.narrow(1, 0, 32)).ToArray());
        using var last = TinyModels.PriorBuilder(train, steps: 150).WithLearningRate(3e-3, 10).Train();
        using var averaged = TinyModels.PriorBuilder(train, steps: 150).WithLearningRate(3e-3, 10).WithWeightAveraging(20).Train();
        double lastBpd = last.BitsPerDim(batch, dequantize: true, new Generator(1)).mean().ToDouble();
        double averagedBpd = averaged.BitsPerDim(batch, dequantize: true, new Generator(1)).mean().ToDouble();
        averagedBpd.Should().NotBe(lastBpd, "the average is not the last weights");
        averagedBpd.Should().BeLessThan(lastBpd + 0.1, $"averaging the last steps' weights must not spoil the prior (last {lastBpd:F3}, averaged {averagedBpd:F3} bits/dim)");
    }

    [Fact]
    public void Train_CancelledThenResumed_ContinuesFromCheckpoint()
    {
        var images = SyntheticImages.Create(6, 32, seed: 3);
        var checkpoint = folder.File("prior.ckpt");
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress<TrainingProgress>(p => { if (p.Step >= 20) cancel.Cancel(); });
        var act = () => TinyModels.PriorBuilder(images, steps: 1000).WithCheckpoint(checkpoint).Train(progress, cancel.Token);
        act.Should().Throw<OperationCanceledException>();
        File.Exists(checkpoint).Should().BeTrue("cancellation writes a checkpoint first");

        using var resumed = TinyModels.PriorBuilder(images, steps: 30).WithCheckpoint(checkpoint).Train();
        resumed.Info.Steps.Should().Be(30);
    }

    [Fact]
    public void Train_ResumedFromAFinishedCheckpoint_ReportsTheBitsPerDimOfItsLastSteps()
    {
        // Rerunning a finished training (e.g. the QuickStart after an interruption in stage 2) runs no step; the training
        // record must still say how the last steps went instead of NaN.
        var images = SyntheticImages.Create(4, 32, seed: 5);
        var checkpoint = folder.File("finished.ckpt");
        using var first = TinyModels.PriorBuilder(images, steps: 12).WithCheckpoint(checkpoint).Train();
        using var again = TinyModels.PriorBuilder(images, steps: 12).WithCheckpoint(checkpoint).Train();

        again.Info.Steps.Should().Be(12);
        double.IsFinite(first.Info.TrainingBitsPerDim).Should().BeTrue();
        again.Info.TrainingBitsPerDim.Should().Be(first.Info.TrainingBitsPerDim);
    }

    [Fact]
    public void Train_ResumingCheckpointOfOtherArchitecture_Throws()
    {
        var images = SyntheticImages.Create(4, 32, seed: 3);
        var checkpoint = folder.File("prior.ckpt");
        using (TinyModels.PriorBuilder(images, steps: 3).WithCheckpoint(checkpoint).Train()) { }
        var act = () => TinyModels.PriorBuilder(images, steps: 6).WithArchitecture(o => o with { HiddenChannels = 8 }).WithCheckpoint(checkpoint).Train();
        act.Should().Throw<CheckpointException>().WithMessage("*another architecture*");
    }

    [Fact]
    public void Train_InsideCallersDisposeScope_ReturnsPriorThatOutlivesTheScope()
    {
        FlowPrior prior;
        using (NewDisposeScope()) prior = TinyModels.PriorBuilder(SyntheticImages.Create(2, 16, seed: 4), steps: 2).Train();
        using (prior)
        using (NewDisposeScope())
        {
            var ll = prior.LogLikelihood(stack(SyntheticImages.Create(1, 16, seed: 5)));
            double.IsFinite(ll.ToDouble()).Should().BeTrue();
        }
    }

    [Fact]
    public async Task TrainAsync_FromFolderOfPngFiles_TrainsOnEveryImage()
    {
        foreach (var (image, i) in SyntheticImages.Create(3, 32, seed: 9).Select((t, i) => (t, i)))
            ImageIO.WritePng(image, folder.File($"clean/{i}.png"));
        using var prior = await TinyModels.PriorBuilder(SyntheticImages.Create(1, 16, 1), steps: 3).WithCleanImages(folder.File("clean")).TrainAsync();
        prior.Info.TrainingImages.Should().Be(3);
        prior.Info.Steps.Should().Be(3);
    }

    [Fact]
    public async Task TrainAsync_AlreadyCancelled_ThrowsOperationCanceled()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var act = () => TinyModels.PriorBuilder(SyntheticImages.Create(2, 16, 1), steps: 100).TrainAsync(cancellationToken: cancel.Token);
        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public void Train_WithImagesSmallerThanPatch_ThrowsNamingImage()
    {
        var act = () => TinyModels.PriorBuilder(SyntheticImages.Create(2, 8, seed: 1)).Train();
        act.Should().Throw<ArgumentException>().WithMessage("*tensor #0*8x8*smaller than the 16x16*");
    }

    [Fact]
    public void FromModel_AGlowModelTrainedElsewhere_BecomesAFrozenPrior()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var model = new GlowModel(TinyModels.Glow());
        ((Action)(() => FlowPrior.FromModel(model))).Should().Throw<ArgumentException>().WithMessage("*never trained*");
        var images = stack(SyntheticImages.Create(4, 16, seed: 3));
        model.train();
        var expected = model.LogLikelihood(LogitTransform.Dequantize(images, new Generator(1))).detach(); // initialises ActNorm
        model.eval();
        var batch = LogitTransform.Dequantize(images, new Generator(1));
        var direct = model.LogLikelihood(batch).detach();
        using var prior = FlowPrior.FromModel(model);
        (prior.LogLikelihood(batch) - direct).abs().max().ToDouble().Should().Be(0);
        model.parameters().Should().AllSatisfy(p => p.requires_grad.Should().BeFalse());
        prior.Info.Steps.Should().Be(0);
    }

    [Fact]
    public void Train_CheckpointFolderThatCannotBeCreated_FailsBeforeTheFirstStep()
    {
        // A parent that is a file: the folder can never be made. The run must fail at once, not after training.
        string blocker = folder.File("not-a-folder");
        File.WriteAllText(blocker, "x");
        var progress = new SynchronousProgress<TrainingProgress>(_ => throw new InvalidOperationException("no step may run"));
        var act = () => TinyModels.PriorBuilder(SyntheticImages.Create(2, 16, 1), steps: 5)
            .WithCheckpoint(Path.Combine(blocker, "prior.ckpt")).Train(progress);
        act.Should().Throw<IOException>().WithMessage("*cannot be written*training did not start*");
    }

    [Fact]
    public void Train_AtLearningRate10_StopsAtTheDivergenceAndKeepsACheckpointThatResumesAtALowRate()
    {
        var images = SyntheticImages.Create(6, 32, seed: 21);
        string checkpoint = folder.File("prior.ckpt");
        using (TinyModels.PriorBuilder(images, steps: 20).WithCheckpoint(checkpoint, TimeSpan.FromTicks(1)).Train())
        {
        }

        var diverge = () => TinyModels.PriorBuilder(images, steps: 200).WithLearningRate(10, 0).WithCheckpoint(checkpoint, TimeSpan.FromTicks(1)).Train();

        var diverged = diverge.Should().Throw<TrainingDivergedException>().Which;
        diverged.LastCheckpoint.Should().Be(checkpoint);
        diverged.LastCheckpointStep.Should().BeGreaterThanOrEqualTo(20);
        using var resumed = TinyModels.PriorBuilder(images, steps: diverged.LastCheckpointStep!.Value + 20)
            .WithLearningRate(1e-4, 0).WithCheckpoint(checkpoint, TimeSpan.FromTicks(1)).Train();
        resumed.Info.Steps.Should().Be(diverged.LastCheckpointStep.Value + 20);
        double.IsFinite(resumed.Info.TrainingBitsPerDim).Should().BeTrue();
    }
}
