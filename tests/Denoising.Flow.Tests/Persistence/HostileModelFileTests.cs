using Denoising.Flow.Persistence;
using Denoising.Flow.Tests.Denoisers;
using Denoising.Flow.Tests.TestSupport;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Persistence;

/// <summary>
/// Crafted model files with a consistent checksum (anyone can recompute it): each is refused with a
/// <see cref="CheckpointException"/> before anything large is allocated, and nothing else escapes.
/// </summary>
public sealed class HostileModelFileTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Load_ArchitectureDeclaringBillionsOfParameters_IsRefusedBeforeBuildingIt()
    {
        // The reproducer claimed width 12000; the bounds refuse that, and so does the parameter budget for a width within them.
        foreach (var network in new[]
        {
            new DenoiserNetworkOptions { ResidualBlocks = 10, Width = 12000 },
            new DenoiserNetworkOptions { ResidualBlocks = 256, Width = 4096 },
        })
        {
            string path = folder.File($"width{network.Width}.dnflow");
            CheckpointFile.Write(path, "Denoiser", Json.Write(new Denoiser.StoredConfig(network, "identity", new[] { new[] { 1.0 } })),
                Json.Write(new DenoiserInfo(0, 16, 0, "crafted", 0, Array.Empty<double>(), 0, 0, 0)), new byte[16]);
            var act = () => Denoiser.Load(path, CPU);
            act.Should().Throw<CheckpointException>().WithMessage(network.Width > 4096 ? "*Width*" : "*million parameters*");
        }
    }

    [Fact]
    public void Load_GlowDeclaringHugeHiddenWidth_IsRefused()
    {
        string path = folder.File("prior.dnflow");
        var options = new GlowOptions { Levels = 8, StepsPerLevel = 256, HiddenChannels = 4096 };
        CheckpointFile.Write(path, "FlowPrior", Json.Write(options), Json.Write(new FlowPriorInfo(0, 32, 0, 0, null, 0)), new byte[16]);
        ((Action)(() => FlowPrior.Load(path, CPU))).Should().Throw<CheckpointException>().WithMessage("*million parameters*");
    }

    [Fact]
    public void Load_NonFiniteWeights_AreRefused()
    {
        using var denoiser = DenoiserTests.RandomDenoiser();
        using (no_grad()) denoiser.NetworkModule.parameters().First().fill_(float.NaN);
        string path = folder.File("nan.dnflow");
        denoiser.Save(path);
        ((Action)(() => Denoiser.Load(path, CPU))).Should().Throw<CheckpointException>().WithMessage("*NaN or infinite*");
    }

    [Fact]
    public void Load_MalformedConfigurationOrWeights_GiveCheckpointException()
    {
        string path = folder.File("null-network.dnflow");
        CheckpointFile.Write(path, "Denoiser", "{\"Network\":null,\"BlurName\":\"identity\",\"BlurTaps\":[[1]]}", "{}", new byte[16]);
        ((Action)(() => Denoiser.Load(path, CPU))).Should().Throw<CheckpointException>();
        string garbage = folder.File("garbage-weights.dnflow");
        CheckpointFile.Write(garbage, "Denoiser", Json.Write(new Denoiser.StoredConfig(new DenoiserNetworkOptions { ResidualBlocks = 1, Width = 4 }, "identity", new[] { new[] { 1.0 } })),
            Json.Write(new DenoiserInfo(0, 16, 0, "crafted", 0, Array.Empty<double>(), 0, 0, 0)), new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 });
        ((Action)(() => Denoiser.Load(garbage, CPU))).Should().Throw<CheckpointException>();
    }

    [Fact]
    public void Load_FileLargerThanTheLimit_IsRefusedWithoutReadingIt()
    {
        string path = folder.File("huge.dnflow");
        using (var file = new FileStream(path, FileMode.Create)) file.SetLength(ModelLimits.MaxFileBytes + 1); // sparse: no disk used
        ((Action)(() => Denoiser.Load(path, CPU))).Should().Throw<CheckpointException>().WithMessage("*was not read*");
    }

    [SkippableTheory]
    [InlineData("model-width12000-oomkill.dnflow")]
    [InlineData("model-nan-weights.dnflow")]
    public void Load_SharedReproducers_AreRefused(string name)
    {
        Skip.If(SharedData.Folder is null, SharedData.MissingReason);
        string path = Path.Combine(SharedData.Folder!, "..", "reliability", name);
        Skip.IfNot(File.Exists(path), $"{path} is not there.");
        ((Action)(() => Denoiser.Load(path, CPU))).Should().Throw<CheckpointException>();
    }
}
