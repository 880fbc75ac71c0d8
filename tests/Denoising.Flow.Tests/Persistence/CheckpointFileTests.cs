using Denoising.Flow.Persistence;
using Denoising.Flow.Tests.TestSupport;
using Denoising.Flow.Training;
using FluentAssertions;
using Xunit;

namespace Denoising.Flow.Tests.Persistence;

public sealed class CheckpointFileTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void WriteThenRead_RoundTripsEveryField()
    {
        var path = folder.File("sub/a.ckpt");
        CheckpointFile.Write(path, "Kind", "{\"a\":1}", "{\"s\":2}", new byte[] { 1, 2, 3 }, Array.Empty<byte>());
        var contents = CheckpointFile.Read(path, "Kind");
        contents.ConfigJson.Should().Be("{\"a\":1}");
        contents.StateJson.Should().Be("{\"s\":2}");
        contents.Version.Should().Be(CheckpointFile.FormatVersion);
        contents.Sections.Should().HaveCount(2);
        contents.Sections[0].Should().Equal(1, 2, 3);
        Directory.GetFiles(folder.File("sub")).Should().ContainSingle("no temporary file may be left behind");
    }

    [Fact]
    public void Write_OverExistingFile_ReplacesIt()
    {
        var path = folder.File("a.ckpt");
        CheckpointFile.Write(path, "Kind", "{}", "{\"v\":1}");
        CheckpointFile.Write(path, "Kind", "{}", "{\"v\":2}");
        CheckpointFile.Read(path, "Kind").StateJson.Should().Be("{\"v\":2}");
    }

    [Fact]
    public void Read_WithFlippedByte_ThrowsCorrupt()
    {
        var path = folder.File("a.ckpt");
        CheckpointFile.Write(path, "Kind", "{}", "{}", new byte[100]);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        var act = () => CheckpointFile.Read(path, "Kind");
        act.Should().Throw<CheckpointException>().WithMessage("*a.ckpt*corrupt*").Which.FilePath.Should().Be(path);
    }

    [Fact]
    public void Read_Truncated_ThrowsCorrupt()
    {
        var path = folder.File("a.ckpt");
        CheckpointFile.Write(path, "Kind", "{}", "{}", new byte[100]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes.Take(bytes.Length - 40).ToArray());
        var act = () => CheckpointFile.Read(path, "Kind");
        act.Should().Throw<CheckpointException>().WithMessage("*truncated or corrupt*");
    }

    [Fact]
    public void Read_OtherFile_ThrowsNotACheckpoint()
    {
        var path = folder.File("a.png");
        File.WriteAllText(path, "this is not a model at all, just some text that is long enough to be read");
        var act = () => CheckpointFile.Read(path, "Kind");
        act.Should().Throw<CheckpointException>().WithMessage("*not a Denoising.Flow model*");
    }

    [Fact]
    public void Read_OtherKind_ThrowsNamingBothKinds()
    {
        var path = folder.File("a.ckpt");
        CheckpointFile.Write(path, "Denoiser", "{}", "{}");
        var act = () => CheckpointFile.Read(path, "FlowPrior");
        act.Should().Throw<CheckpointException>().WithMessage("*holds a Denoiser, not a FlowPrior*");
    }

    [Fact]
    public void Read_Missing_ThrowsFileNotFound()
    {
        var act = () => CheckpointFile.Read(folder.File("none.ckpt"), "Kind");
        act.Should().Throw<FileNotFoundException>().WithMessage("*none.ckpt*");
    }

    [Fact]
    public void Write_RemovesTemporariesOfKilledWriters_AndKeepsThoseOfRunningOnes()
    {
        // A kill -9 during a write leaves "<file>.tmp-<pid>-<guid>" behind; the next save of that file removes it.
        string path = folder.File("model.dnflow");
        string dead = path + ".tmp-999999-0123456789abcdef";
        string running = path + $".tmp-{Environment.ProcessId}-fedcba9876543210";
        File.WriteAllBytes(dead, new byte[100]);
        File.WriteAllBytes(running, new byte[100]);
        CheckpointFile.Write(path, "Test", "{}", "{}", new byte[] { 1, 2, 3 });
        File.Exists(dead).Should().BeFalse();
        File.Exists(running).Should().BeTrue("a running process may still be writing it");
        CheckpointFile.Read(path, "Test").Sections[0].Should().Equal(1, 2, 3);
    }
}
