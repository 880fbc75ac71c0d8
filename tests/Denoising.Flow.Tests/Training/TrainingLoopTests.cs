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
    public void Run_WhenLossBecomesNaN_ThrowsWithoutSavingAndNamesLastGoodCheckpoint()
    {
        var saved = new List<long>();
        var path = folder.File("c");
        var loop = Loop(10, checkpoint: path, interval: TimeSpan.Zero);
        var act = () => loop.Run(0, s => Metrics(s == 3 ? double.NaN : 1), (p, s) => { File.WriteAllText(p, s.ToString()); saved.Add(s); }, CancellationToken.None);
        act.Should().Throw<TrainingDivergedException>().Where(e => e.Step == 3 && e.LastCheckpoint == path).WithMessage("*NaN at step 3*");
        saved.Should().Equal(1, 2, 3);
        File.ReadAllText(path).Should().Be("3", "the checkpoint of the last good step survives");
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
