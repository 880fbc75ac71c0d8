using System.Text.Json;
using Denoising.Flow.Cli.Tests.Support;
using Denoising.Flow.Imaging;
using Denoising.Flow.Tests.TestSupport;
using FluentAssertions;
using Xunit;

namespace Denoising.Flow.Cli.Tests.Commands;

public class EvaluateCommandTests
{
    [Fact]
    public void Evaluate_TinyCleanFolder_ReportsPerImageAndMeanWithBaselinesAndAGrid()
    {
        using var temp = new TempFolder();
        TestFiles.GrayPngs(temp.File("clean"), 2, 32, noise: 0);

        var result = Dnflow.Run("evaluate", "--clean", temp.File("clean"), "--sigma", "25", "--report", temp.File("report"));

        result.ExitCode.Should().Be(0, result.ToString());
        result.Out.Should().Contain("01.png").And.Contain("mean").And.Contain("noisy input").And.Contain("Gaussian blur").And.Contain("dnflow denoiser");
        var report = JsonDocument.Parse(File.ReadAllText(temp.File("report/report.json"))).RootElement.GetProperty("results");
        report.GetArrayLength().Should().Be(3);
        var psnr = report.EnumerateArray().ToDictionary(r => r.GetProperty("Method").GetString()!.Split(" (")[0], r => r.GetProperty("MeanPsnr").GetDouble());
        psnr["dnflow denoiser"].Should().BeGreaterThan(psnr["noisy input"]);
        ImageIO.Identify(temp.File("report/grid-sigma25.png")).Width.Should().Be((3 * 32) + 12);
    }

    [Fact]
    public void Evaluate_BadSigma_IsAUsageError() =>
        Dnflow.Run("evaluate", "--clean", ".", "--sigma", "25,abc").ExitCode.Should().Be(ExitCodes.Usage);
}
