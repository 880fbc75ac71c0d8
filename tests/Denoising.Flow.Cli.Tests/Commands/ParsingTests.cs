using Denoising.Flow.Cli.Tests.Support;
using FluentAssertions;
using Xunit;

namespace Denoising.Flow.Cli.Tests.Commands;

public class ParsingTests
{
    [Theory]
    [InlineData("denois", "x", "-o", "y")]
    [InlineData("denoise", "x")]
    [InlineData("denoise", "x", "-o", "y", "--shard", "4/4")]
    [InlineData("denoise", "x", "-o", "y", "--format", "gif")]
    [InlineData("denoise", "x", "-o", "y", "--noise-level", "300")]
    [InlineData("denoise", "x", "-o", "y", "--threads", "0")]
    [InlineData("train", "prior")]
    [InlineData("train", "prior", "--clean", "x", "--preset", "huge")]
    [InlineData("train", "denoiser", "--noisy", "x")]
    [InlineData("evaluate")]
    [InlineData("info")]
    public void Run_BadCommandLine_ExitsWithUsageError(params string[] args) =>
        Dnflow.Run(args).ExitCode.Should().Be(ExitCodes.Usage);

    [Fact]
    public void Run_Typo_SuggestsTheVerb()
    {
        var result = Dnflow.Run("denois");

        result.ExitCode.Should().Be(ExitCodes.Usage);
        (result.Out + result.Error).Should().Contain("denoise");
    }

    [Fact]
    public void Run_BadShard_SaysTheRule() =>
        Dnflow.Run("denoise", "x", "-o", "y", "--shard", "2/2").Error.Should().Contain("--shard must be I/N with 0 <= I < N");

    [Fact]
    public void Run_Help_ListsTheVerbs()
    {
        var result = Dnflow.Run("--help");

        result.ExitCode.Should().Be(0);
        result.Out.Should().Contain("denoise").And.Contain("train").And.Contain("evaluate").And.Contain("info").And.Contain("merge-manifests");
    }

    [Fact]
    public void Run_ResponseFile_IsRead()
    {
        using var temp = new Denoising.Flow.Tests.TestSupport.TempFolder();
        File.WriteAllText(temp.File("args.rsp"), "denoise\n" + temp.File("missing") + "\n-o\n" + temp.File("out"));

        var result = Dnflow.Run("@" + temp.File("args.rsp"));

        result.ExitCode.Should().Be(ExitCodes.Usage);
        result.Error.Should().Contain("is not a file, a folder or a glob that exists");
    }

    [Fact]
    public void Run_MissingModelFile_IsAUsageError()
    {
        using var temp = new Denoising.Flow.Tests.TestSupport.TempFolder();
        File.WriteAllBytes(temp.File("a.png"), [1]);

        var result = Dnflow.Run("denoise", temp.File("a.png"), "-o", temp.File("out"), "--model", temp.File("nope.dnflow"));

        result.ExitCode.Should().Be(ExitCodes.Usage);
        result.Error.Should().Contain("nope.dnflow' does not exist");
    }

    [Fact]
    public void Run_BadConfigKey_IsAUsageError()
    {
        using var temp = new Denoising.Flow.Tests.TestSupport.TempFolder();
        TestFiles.GrayPngs(temp.File("clean"), 1, 16);
        File.WriteAllText(temp.File("c.json"), "{ \"patchSise\": 16 }");

        var result = Dnflow.Run("train", "prior", "--clean", temp.File("clean"), "--config", temp.File("c.json"));

        result.ExitCode.Should().Be(ExitCodes.Usage);
        result.Error.Should().Contain("patchSise");
    }
}
