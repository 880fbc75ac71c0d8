using Denoising.Flow.Tests.TestSupport;
using Denoising.Flow.Training;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Denoising.Flow.Tests.Training;

public sealed class TrainingLoopTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    private TrainingLoop Loop(long steps, IProgress<TrainingProgress>? progress = null, string? checkpoint = null, TimeSpan? interval = null) => new()
    {
        Stage = TrainingStage.Prior, Budget = new TrainingBudget(steps, null), BatchSize = 4, Logger = NullLogger.Instance,
        Progress = progress, CheckpointPath = checkpoint, CheckpointInterval = interval ?? TimeSpan.FromHours(1), ReportEvery = 1,
    };

    private static StepMetrics Metrics(double loss) => new(loss, 0, loss, loss, 0, 1e-3);

    [Fact]
    public void Run_WithStepBudget_RunsExactlyThatManyStepsAndSavesAtTheEnd()
    {
        var saved = new List<long>();
        var steps = new List<long>();
        long end = Loop(5, checkpoint: folder.File("c")).Run(2, s => { steps.Add(s); return Metrics(1); }, (_, s) => saved.Add(s), CancellationToken.None);
        end.Should().Be(5);
        steps.Should().Equal(2, 3, 4);
        saved.Should().Equal(5);
    }

    [Fact]
    public void Run_WhenLossBecomesNaN_ThrowsAndKeepsTheLastCheckpointWhoseWeightsProducedAGoodStep()
    {
        var saved = new List<long>();
        var path = folder.File("c");
        var loop = Loop(10, checkpoint: path, interval: TimeSpan.Zero);
        var act = () => loop.Run(0, s => Metrics(s == 3 ? double.NaN : 1), (p, s) => { File.WriteAllText(p, s.ToString()); saved.Add(s); }, CancellationToken.None);

        act.Should().Throw<TrainingDivergedException>()
            .Where(e => e.Step == 3 && e.LastCheckpoint == path && e.LastCheckpointStep == 2).WithMessage("*NaN at step 3*");
        saved.Should().Equal(1, 2, 3);
        File.ReadAllText(path).Should().Be("2", "the weights saved after step 3 produced the NaN: the checkpoint before them is the good one");
        File.ReadAllText(path + TrainingLoop.SuspectSuffix).Should().Be("3", "the suspect checkpoint is set aside, not deleted");
        File.Exists(path + TrainingLoop.PreviousSuffix).Should().BeFalse();
    }

    [Fact]
    public void Run_WhenDivergingLaterThanTheLastCheckpoint_KeepsThatCheckpoint()
    {
        var path = folder.File("c");
        var loop = Loop(10, checkpoint: path, interval: TimeSpan.FromHours(1));
        var act = () => loop.Run(4, s => Metrics(s == 7 ? double.PositiveInfinity : 1), (p, s) => File.WriteAllText(p, s.ToString()), CancellationToken.None);
        File.WriteAllText(path, "4"); // The checkpoint this run resumed from.

        act.Should().Throw<TrainingDivergedException>().Where(e => e.Step == 7 && e.LastCheckpoint == path && e.LastCheckpointStep == 4);
        File.ReadAllText(path).Should().Be("4");
    }

    [Fact]
    public void Run_WhenTheFirstStepAfterAWriteDivergesAndNoEarlierCheckpointExists_SaysSo()
    {
        var path = folder.File("c");
        var loop = Loop(10, checkpoint: path, interval: TimeSpan.Zero);
        var act = () => loop.Run(0, s => Metrics(s == 1 ? double.NaN : 1), (p, s) => File.WriteAllText(p, s.ToString()), CancellationToken.None);

        act.Should().Throw<TrainingDivergedException>().Where(e => e.LastCheckpoint == null && e.LastCheckpointStep == null)
            .WithMessage("*no good checkpoint exists*");
        File.Exists(path).Should().BeFalse("running again must not resume from the weights that diverged");
        File.ReadAllText(path + TrainingLoop.SuspectSuffix).Should().Be("1");
    }

    [Fact]
    public void Run_WhenTheLossExplodesWhileStayingFinite_Throws()
    {
        // Healthy noise of +-50% around 1, then a jump to 300 (finite): more than 100x the running median.
        var act = () => Loop(100).Run(0, s => Metrics(s < 30 ? 1 + (0.5 * Math.Sin(s)) : 300), (_, _) => { }, CancellationToken.None);

        act.Should().Throw<TrainingDivergedException>().Where(e => e.Step == 30).WithMessage("*exploded to 300*running median*");
    }

    [Fact]
    public void Run_LossThatFallsOrGrowsSlowly_IsNotDivergence()
    {
        // A loss that falls by 1000x and then grows 2% per step (the prior weight's fastest growth) for 100 steps.
        long end = Loop(300).Run(0, s => Metrics(s < 100 ? 1000.0 / (1 + s) * 1e-1 : 1e-2 * Math.Pow(1.02, Math.Min(s - 100, 100))),
            (_, _) => { }, CancellationToken.None);

        end.Should().Be(300);
    }

    [Fact]
    public void Run_LossThatStraddlesZero_IsNotDivergence_ButAnExplosionStillIs()
    {
        // A SURE loss with the prior term is a difference of terms: it fluctuates around a median near zero. A healthy step
        // far above 100x that median's magnitude (a real run stopped at a loss of 0.0013 against a median of -1e-5) is not an
        // explosion; one 100x above the losses' typical magnitude is.
        static double Healthy(long s) => (0.01 * Math.Sin(s * 1.7)) - 1e-5;
        Loop(300).Run(0, s => Metrics(s == 150 ? 0.03 : Healthy(s)), (_, _) => { }, CancellationToken.None).Should().Be(300);

        var act = () => Loop(300).Run(0, s => Metrics(s == 150 ? 5 : Healthy(s)), (_, _) => { }, CancellationToken.None);
        act.Should().Throw<TrainingDivergedException>().Where(e => e.Step == 150).WithMessage("*exploded to 5*");
    }

    [Fact]
    public void Run_WhenTheGradientNormIsNotFinite_Throws()
    {
        var act = () => Loop(10).Run(0, s => Metrics(1) with { GradientNorm = s == 2 ? double.NaN : 1 }, (_, _) => { }, CancellationToken.None);

        act.Should().Throw<TrainingDivergedException>().Where(e => e.Step == 2).WithMessage("*gradient norm became NaN*");
    }

    [Fact]
    public void Run_WhenCancelled_SavesThenThrowsWithinOneStep()
    {
        using var cancel = new CancellationTokenSource();
        var saved = new List<long>();
        var act = () => Loop(100, checkpoint: folder.File("c")).Run(0, s =>
        {
            if (s == 4) cancel.Cancel();
            return Metrics(1);
        }, (_, s) => saved.Add(s), cancel.Token);
        act.Should().Throw<OperationCanceledException>();
        saved.Should().Equal(5);
    }

    [Fact]
    public void Run_ReportsProgressWithEta()
    {
        var reports = new List<TrainingProgress>();
        Loop(3, new SynchronousProgress<TrainingProgress>(reports.Add)).Run(0, _ => Metrics(2), (_, _) => { }, CancellationToken.None);
        reports.Select(r => r.Step).Should().Equal(1, 2, 3);
        reports[^1].TotalSteps.Should().Be(3);
        reports[^1].Eta.Should().Be(TimeSpan.Zero);
        reports[^1].Loss.Should().Be(2);
        reports[^1].ImagesPerSecond.Should().BeGreaterThan(0);
    }
}
