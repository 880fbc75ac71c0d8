using FluentAssertions;
using Xunit;

namespace Denoising.Flow.Tests.Training;

public class NativeAllocatorTests
{
    private sealed class FakeMallopt
    {
        public List<(int Parameter, int Value)> Calls { get; } = new();

        public int Result { get; set; } = 1;

        public int Invoke(int parameter, int value)
        {
            Calls.Add((parameter, value));
            return Result;
        }
    }

    [Fact]
    public void Configure_SetsTheThreeThresholdsOnce()
    {
        var fake = new FakeMallopt();
        var tuning = new AllocatorTuning(fake.Invoke);

        tuning.Configure(null).Should().Be(NativeAllocatorStatus.Applied);
        tuning.Configure(null).Should().Be(NativeAllocatorStatus.Applied);
        tuning.Configure("0").Should().Be(NativeAllocatorStatus.Applied, "once applied it stays applied");

        fake.Calls.Should().BeEquivalentTo(new[]
        {
            (AllocatorTuning.MMmapThreshold, NativeAllocator.MmapThreshold),
            (AllocatorTuning.MTrimThreshold, NativeAllocator.TrimThreshold),
            (AllocatorTuning.MTopPad, NativeAllocator.TopPad),
        }, o => o.WithStrictOrdering());
        tuning.Calls.Should().Be(3);
    }

    [Fact]
    public void Configure_HonoursTheOptOutSwitch_AndAppliesOnceSwitchedBackOn()
    {
        var fake = new FakeMallopt();
        var tuning = new AllocatorTuning(fake.Invoke) { Enabled = false };

        tuning.Configure(null).Should().Be(NativeAllocatorStatus.DisabledByOption);
        tuning.Status.Should().Be(NativeAllocatorStatus.DisabledByOption);
        fake.Calls.Should().BeEmpty();

        tuning.Enabled = true;
        tuning.Configure(null).Should().Be(NativeAllocatorStatus.Applied);
        fake.Calls.Should().HaveCount(3);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("false")]
    [InlineData(" OFF ")]
    [InlineData("no")]
    public void Configure_HonoursTheEnvironmentVariable(string value)
    {
        var fake = new FakeMallopt();
        var tuning = new AllocatorTuning(fake.Invoke);

        tuning.Configure(value).Should().Be(NativeAllocatorStatus.DisabledByEnvironment);
        fake.Calls.Should().BeEmpty();
        tuning.Configure("1").Should().Be(NativeAllocatorStatus.Applied);
    }

    [Fact]
    public void Configure_WithoutGlibc_DoesNothing_AndARefusedValueIsReported()
    {
        new AllocatorTuning(null).Configure(null).Should().Be(NativeAllocatorStatus.NotSupported);

        var refusing = new FakeMallopt { Result = 0 };
        var tuning = new AllocatorTuning(refusing.Invoke);
        tuning.Configure(null).Should().Be(NativeAllocatorStatus.Failed);
        tuning.Configure(null).Should().Be(NativeAllocatorStatus.Failed);
        refusing.Calls.Should().HaveCount(3, "a failure is not retried");
    }

    [Fact]
    public void TheLibrary_TunesTheRealAllocatorOnceAtItsFirstNativeUse()
    {
        Devices.Default();
        int calls = NativeAllocator.Shared.Calls;
        Devices.Default();
        NativeAllocator.Configure();

        NativeAllocator.Shared.Calls.Should().Be(calls, "mallopt is called once per process");
        if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable(NativeAllocator.EnvironmentVariable) is null)
        {
            NativeAllocator.Status.Should().Be(NativeAllocatorStatus.Applied, "glibc accepts the three values");
            calls.Should().Be(3);
        }
    }
}
