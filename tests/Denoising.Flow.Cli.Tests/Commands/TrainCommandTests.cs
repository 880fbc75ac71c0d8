using Denoising.Flow.Cli.Batch;
using Denoising.Flow.Cli.Tests.Support;
using Denoising.Flow.Tests.TestSupport;
using FluentAssertions;
using Xunit;

namespace Denoising.Flow.Cli.Tests.Commands;

public class TrainCommandTests
{
    [Fact]
    public void TrainPriorThenDenoiser_TinyBudget_SavesModelsThatInfoAndDenoiseUse_AndAResumeContinues()
    {
        using var temp = new TempFolder();
        TestFiles.GrayPngs(temp.File("clean"), 3, 32, seed: 5);
        TestFiles.GrayPngs(temp.File("noisy"), 3, 32, seed: 6);
        File.WriteAllText(temp.File("tiny.json"), "{ \"batchSize\": 2, \"patchSize\": 16, \"levels\": 2, \"stepsPerLevel\": 2, \"hiddenChannels\": 8, \"residualBlocks\": 2, \"width\": 8 }");
        string prior = temp.File("prior.dnflow"), denoiser = temp.File("denoiser.dnflow");

        var first = Dnflow.Run("train", "prior", "--clean", temp.File("clean"), "-o", prior, "--preset", "small", "--steps", "2", "--seed", "3", "--config", temp.File("tiny.json"));
        first.ExitCode.Should().Be(0, first.ToString());
        first.Out.Should().Contain("Prior saved: " + prior).And.Contain("bits/dim").And.Contain("dnflow train denoiser");
        File.Exists(prior + ".ckpt").Should().BeTrue();

        var resumed = Dnflow.Run("train", "prior", "--clean", temp.File("clean"), "-o", prior, "--preset", "small", "--steps", "3", "--seed", "3", "--config", temp.File("tiny.json"));
        resumed.ExitCode.Should().Be(0, resumed.ToString());
        resumed.Out.Should().Contain("resuming from").And.Contain("(3 steps");

        var second = Dnflow.Run("train", "denoiser", "--noisy", temp.File("noisy"), "--prior", prior, "-o", denoiser, "--steps", "2", "--config", temp.File("tiny.json"));
        second.ExitCode.Should().Be(0, second.ToString());
        second.Out.Should().Contain("Denoiser saved: " + denoiser).And.Contain("lambda").And.Contain("dnflow denoise");

        string sure = temp.File("denoiser-sure.dnflow");
        var withSure = Dnflow.Run("train", "denoiser", "--noisy", temp.File("noisy"), "--prior", prior, "-o", sure, "--steps", "2", "--data-term", "sure", "--config", temp.File("tiny.json"));
        withSure.ExitCode.Should().Be(0, withSure.ToString());
        File.Exists(sure).Should().BeTrue();
        File.WriteAllText(temp.File("unet.json"), "{ \"batchSize\": 2, \"patchSize\": 16, \"architecture\": \"unet\", \"residualBlocks\": 1, \"width\": 8 }");
        string unet = temp.File("denoiser-unet.dnflow");
        var withUNet = Dnflow.Run("train", "denoiser", "--noisy", temp.File("noisy"), "--prior", prior, "-o", unet, "--steps", "2", "--config", temp.File("unet.json"));
        withUNet.ExitCode.Should().Be(0, withUNet.ToString());
        Dnflow.Run("info", unet).Out.Should().Contain("\"Architecture\": \"UNet\"");
        File.WriteAllText(temp.File("bad-arch.json"), "{ \"architecture\": \"vgg\" }");
        var badArchitecture = Dnflow.Run("train", "denoiser", "--noisy", temp.File("noisy"), "--prior", prior, "-o", unet, "--config", temp.File("bad-arch.json"));
        badArchitecture.ExitCode.Should().Be(2, badArchitecture.ToString());
        badArchitecture.Error.Should().Contain("architecture must be");
        var badTerm = Dnflow.Run("train", "denoiser", "--noisy", temp.File("noisy"), "--prior", prior, "-o", sure, "--data-term", "l1");
        badTerm.ExitCode.Should().Be(2, badTerm.ToString());

        var info = Dnflow.Run("info", denoiser);
        info.ExitCode.Should().Be(0, info.ToString());
        info.Out.Should().Contain("kind: denoiser").And.Contain("\"ResidualBlocks\": 2").And.Contain("sha256: ").And.Contain("\"DataTerm\": \"Residual\"");
        Dnflow.Run("info", sure).Out.Should().Contain("\"DataTerm\": \"Sure\"", "the model records the data term it was trained with");
        Dnflow.Run("info", prior).Out.Should().Contain("kind: prior").And.Contain("\"Levels\": 2");

        var use = Dnflow.Run("denoise", temp.File("noisy"), "-o", temp.File("out"), "--model", denoiser);
        use.ExitCode.Should().Be(0, use.ToString());
        Directory.GetFiles(temp.File("out"), "*.png").Should().HaveCount(3);
    }

    [Fact]
    public void TrainPrior_Cancelled_WritesACheckpointAndSaysHowToResume()
    {
        using var temp = new TempFolder();
        TestFiles.GrayPngs(temp.File("clean"), 2, 16);
        File.WriteAllText(temp.File("tiny.json"), "{ \"batchSize\": 2, \"levels\": 2, \"stepsPerLevel\": 1, \"hiddenChannels\": 8 }");
        string prior = temp.File("prior.dnflow");

        var result = Dnflow.Run(new CancellationToken(canceled: true), "train", "prior", "--clean", temp.File("clean"), "-o", prior, "--preset", "small", "--steps", "5", "--config", temp.File("tiny.json"));

        result.ExitCode.Should().Be(ExitCodes.Interrupted, result.ToString());
        result.Error.Should().Contain("Run the same command again to resume");
        File.Exists(prior).Should().BeFalse();
    }

    [Fact]
    public void Info_ShippedModel_ShowsArchitectureManifestAndChecksum()
    {
        var result = Dnflow.Run("info", "gray");

        result.ExitCode.Should().Be(0, result.ToString());
        result.Out.Should().Contain("kind: denoiser").And.Contain("\"Width\": 32").And.Contain("manifest: ").And.MatchRegex("sha256: [0-9a-f]{64}");
    }

    [Fact]
    public void Info_LargeShippedModel_ResolvesByNameInAnyCase()
    {
        var result = Dnflow.Run("info", "Gray-Large");

        result.ExitCode.Should().Be(0, result.ToString());
        result.Out.Should().Contain("kind: denoiser").And.Contain("\"Width\": 64").And.Contain("\"ResidualBlocks\": 16").And.Contain("manifest-gray-large.json");
    }

    [Fact]
    public void Info_PriorSharedByGrayAndGrayLarge_IsDescribedByTheGrayManifest()
    {
        string prior = Path.Combine(ModelCatalog.Folders().Last(), "prior-gray.dnflow");

        var result = Dnflow.Run("info", prior);

        result.ExitCode.Should().Be(0, result.ToString());
        result.Out.Should().Contain("kind: prior").And.Contain("manifest-gray.json").And.NotContain("manifest-gray-large.json");
    }

    [Fact]
    public void Info_NotAModel_FailsWithTheReason()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("x.dnflow"), "nope");

        var result = Dnflow.Run("info", temp.File("x.dnflow"));

        result.ExitCode.Should().Be(ExitCodes.Failures);
        result.Error.Should().Contain("x.dnflow");
    }
}
