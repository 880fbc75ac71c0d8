using Denoising.Flow.Training;
using FluentAssertions;
using Xunit;

namespace Denoising.Flow.Tests.Training;

public class LearningRateScheduleTests
{
    [Fact]
    public void At_WarmsUpLinearlyThenDecaysByCosine()
    {
        var schedule = new LearningRateSchedule(1.0, WarmupSteps: 4, Cosine: true, FinalFraction: 0.1);
        schedule.At(0, 104).Should().BeApproximately(0.25, 1e-12);
        schedule.At(3, 104).Should().BeApproximately(1.0, 1e-12);
        schedule.At(4, 104).Should().BeApproximately(1.0, 1e-12);
        schedule.At(54, 104).Should().BeApproximately(0.55, 1e-12);
        schedule.At(104, 104).Should().BeApproximately(0.1, 1e-12);
        new LearningRateSchedule(0.5).At(1000, null).Should().Be(0.5);
    }
}
