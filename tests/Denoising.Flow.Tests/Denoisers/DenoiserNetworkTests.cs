using Denoising.Flow.Blur;
using Denoising.Flow.Denoisers;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Denoisers;

public sealed class DenoiserNetworkTests
{
    private static DenoiserNetworkOptions Ffd(int channels = 1, bool bounded = false, bool noiseInput = false) => new()
    {
        Channels = channels, Architecture = DenoiserArchitecture.FfdNet, ResidualBlocks = 1, Width = 8, BoundedOutput = bounded, NoiseLevelInput = noiseInput,
    };

    private static DenoiserNetworkOptions UNet(int channels = 1, bool noiseInput = false, int blocks = 1) => new()
    {
        Channels = channels, Architecture = DenoiserArchitecture.UNet, ResidualBlocks = blocks, Width = 8, NoiseLevelInput = noiseInput,
    };

    private static DenoiserNetwork Randomised(DenoiserNetworkOptions options, long seed = 5)
    {
        manual_seed(seed);
        var network = new DenoiserNetwork(options);
        using (no_grad())
        {
            foreach (var p in network.parameters()) p.add_(randn_like(p) * 0.1);
        }
        return network;
    }

    private static DenoiserNetworkOptions Small(DenoiserArchitecture architecture, int channels = 1, bool bounded = false, bool noiseInput = false) =>
        architecture == DenoiserArchitecture.UNet ? UNet(channels, noiseInput) with { BoundedOutput = bounded } : Ffd(channels, bounded, noiseInput);

    [Theory]
    [InlineData(DenoiserArchitecture.FfdNet, 1, 16, 16)]
    [InlineData(DenoiserArchitecture.FfdNet, 3, 15, 17)]
    [InlineData(DenoiserArchitecture.UNet, 1, 16, 16)]
    [InlineData(DenoiserArchitecture.UNet, 3, 15, 17)]
    [InlineData(DenoiserArchitecture.UNet, 1, 5, 2)]
    public void Body_StartsAsTheIdentity_AtAnySize(DenoiserArchitecture architecture, int channels, int h, int w)
    {
        using var scope = NewDisposeScope();
        using var network = new DenoiserNetwork(Small(architecture, channels));
        var x = randn(2, channels, h, w);
        (network.forward(x) - x).abs().max().ToDouble().Should().Be(0);
    }

    [Theory]
    [InlineData(1, 21, 18)]
    [InlineData(3, 16, 16)]
    public void UNet_Trained_KeepsTheShape_AndUsesEveryLevel(int channels, int h, int w)
    {
        // Each level's weights move the output: a broken skip or a level left out of the forward pass would leave some still.
        using var scope = NewDisposeScope();
        using var network = Randomised(UNet(channels, noiseInput: true));
        var x = rand(2, channels, h, w);
        var sigmas = tensor(new[] { 0.05f, 0.1f });
        var y = network.Forward(x, sigmas);
        y.shape.Should().Equal(x.shape);
        y.sum().backward();
        var named = network.named_parameters().ToList();
        foreach (var part in new[] { "levels.encoders.0", "levels.encoders.1", "levels.downs.1", "levels.middle", "levels.ups.0", "levels.decoders.1" })
        {
            named.Where(p => p.name.StartsWith(part, StringComparison.Ordinal))
                .Should().Contain(p => p.parameter.grad!.abs().max().ToDouble() > 0, $"{part} must take part in the output");
        }
    }

    [Fact]
    public void ParameterCount_MatchesTheBuiltNetwork_ForEveryBody()
    {
        var resNet = new DenoiserNetworkOptions { ResidualBlocks = 3, Width = 8, NoiseLevelInput = true };
        foreach (var options in new[] { resNet, resNet with { Channels = 3 }, Ffd(3, noiseInput: true), UNet(), UNet(3, noiseInput: true, blocks: 2), UNet(blocks: 0) })
        {
            using var network = new DenoiserNetwork(options);
            long actual = network.parameters().Sum(p => p.numel());
            options.ParameterCount().Should().Be(actual, $"{options}");
        }
    }

    [Fact]
    public void BoundedOutput_StartsAsTheClampedIdentity_AndStaysInsideTheUnitInterval()
    {
        using var scope = NewDisposeScope();
        var x = rand(2, 1, 12, 12) * 1.6 - 0.3;
        using (var fresh = new DenoiserNetwork(Ffd(bounded: true)))
        {
            var expected = x.clamp(DenoiserNetwork.LogitMargin, 1 - DenoiserNetwork.LogitMargin);
            (fresh.forward(x) - expected).abs().max().ToDouble().Should().BeLessThan(1e-6);
        }
        using var trained = Randomised(Ffd(bounded: true));
        using (no_grad())
        {
            foreach (var p in trained.parameters()) p.mul_(20); // large corrections in logit space
        }
        var y = trained.forward(x);
        y.min().ToDouble().Should().BeGreaterThanOrEqualTo(0);
        y.max().ToDouble().Should().BeLessThanOrEqualTo(1);
        isfinite(y).all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void FfdNet_ReceptiveRadius_BoundsTheInfluenceOfAPixel()
    {
        // A change at one pixel may move outputs only within the receptive radius (and the network is not the identity).
        using var scope = NewDisposeScope();
        using var network = Randomised(Ffd());
        int r = network.Options.ReceptiveRadius;
        r.Should().Be(4 * 1 + 6);
        var x = rand(1, 1, 48, 48);
        var moved = x.clone();
        moved[0, 0, 24, 24] = moved[0, 0, 24, 24] + 1;
        var diff = (network.forward(moved) - network.forward(x)).abs().squeeze();
        var far = diff.clone();
        far[TensorIndex.Slice(24 - r, 24 + r + 1), TensorIndex.Slice(24 - r, 24 + r + 1)] = 0;
        far.max().ToDouble().Should().Be(0);
        diff.max().ToDouble().Should().BeGreaterThan(1e-4);
    }

    [Theory]
    [InlineData(1, 28)]
    [InlineData(2, 48)]
    public void UNet_ReceptiveRadius_BoundsTheInfluenceOfAPixel(int blocks, int expected)
    {
        // A change at one pixel may move outputs only within the receptive radius, at every position of the pixel on the
        // quarter-resolution grid; the radius is tight up to that grid.
        using var scope = NewDisposeScope();
        using var network = Randomised(UNet(blocks: blocks));
        int r = network.Options.ReceptiveRadius;
        r.Should().Be(expected);
        int size = (2 * r) + 24, centre = r + 8;
        var x = rand(1, 1, size, size);
        var reach = 0;
        for (int offset = 0; offset < UNetLevels.GridMultiple; offset++)
        {
            int c = centre + offset;
            var moved = x.clone();
            moved[0, 0, c, c] = moved[0, 0, c, c] + 1;
            var diff = (network.forward(moved) - network.forward(x)).abs().squeeze();
            var far = diff.clone();
            far[TensorIndex.Slice(c - r, c + r + 1), TensorIndex.Slice(c - r, c + r + 1)] = 0;
            far.max().ToDouble().Should().Be(0, $"the pixel at offset {offset} reaches no further than {r}");
            var rows = (diff.amax(1) > 0).nonzero().squeeze(1);
            reach = Math.Max(reach, (int)Math.Max(c - rows.min().ToInt64(), rows.max().ToInt64() - c));
        }
        reach.Should().BeGreaterThan(r - UNetLevels.GridMultiple, "the radius must not be far larger than the real reach");
    }

    [Theory]
    [InlineData(DenoiserArchitecture.FfdNet, 16)]
    [InlineData(DenoiserArchitecture.FfdNet, 17)]
    [InlineData(DenoiserArchitecture.UNet, 16)]
    [InlineData(DenoiserArchitecture.UNet, 18)]
    public void Denoiser_Tiled_EqualsWholeImage(DenoiserArchitecture architecture, int tileSize)
    {
        // Tiles keep the body's grid (a tile size is rounded down to a multiple of 2 for FFDNet, of 4 for the UNet), so tiling
        // changes nothing.
        using var scope = NewDisposeScope();
        var info = new DenoiserInfo(0, 16, 0, "test", 0, Array.Empty<double>(), 0, 0, 0);
        using var denoiser = new Denoiser(Randomised(Small(architecture, bounded: true, noiseInput: true)), BlurKernels.Identity, info);
        var image = rand(1, 71, 53, generator: new Generator(2));
        var whole = denoiser.Denoise(image, new DenoiseOptions { TileSize = 512, ClipOutput = false, NoiseLevel = 20 });
        var tiled = denoiser.Denoise(image, new DenoiseOptions { TileSize = tileSize, ClipOutput = false, NoiseLevel = 20 });
        (whole - image).abs().max().ToDouble().Should().BeGreaterThan(1e-3);
        (tiled - whole).abs().max().ToDouble().Should().BeLessThan(1e-5);
    }

    [Fact]
    public void Options_Problems_NameEachBadField()
    {
        var problems = new DenoiserNetworkOptions { Architecture = (DenoiserArchitecture)7, ResidualBlocks = -1, Width = 0 }.Problems();
        problems.Should().Contain(p => p.StartsWith("Architecture:"));
        problems.Should().Contain(p => p.StartsWith("ResidualBlocks:"));
        problems.Should().Contain(p => p.StartsWith("Width:"));
        new DenoiserNetworkOptions { Architecture = DenoiserArchitecture.UNet, Width = 2048 }.Problems().Should().ContainSingle(p => p.StartsWith("Width:"));
        new DenoiserNetworkOptions { Architecture = DenoiserArchitecture.UNet, Width = 1024 }.Problems().Should().BeEmpty();
    }
}
