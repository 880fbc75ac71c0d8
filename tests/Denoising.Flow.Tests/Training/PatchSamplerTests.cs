using Denoising.Flow.Training;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Training;

public class PatchSamplerTests
{
    [Fact]
    public void Sample_SameStep_GivesSamePatches()
    {
        using var scope = NewDisposeScope();
        var images = new[] { ("a", rand(1, 20, 24)), ("b", rand(1, 30, 16)) };
        var sampler = new PatchSampler(images, 16, augment: true, seed: 3);
        var (first, sourcesA) = sampler.Sample(7, 5, CPU);
        var (again, sourcesB) = sampler.Sample(7, 5, CPU);
        var (other, _) = sampler.Sample(8, 5, CPU);
        first.shape.Should().Equal(5, 1, 16, 16);
        (first - again).abs().max().ToDouble().Should().Be(0);
        sourcesA.Should().Equal(sourcesB);
        (first - other).abs().max().ToDouble().Should().BeGreaterThan(0);
    }

    [Fact]
    public void New_WithImageSmallerThanPatch_ThrowsNamingImage()
    {
        using var scope = NewDisposeScope();
        var act = () => new PatchSampler(new[] { ("small.png", rand(1, 10, 40)) }, 16, true, 1);
        act.Should().Throw<ArgumentException>().WithMessage("*small.png*40x10*smaller than the 16x16*");
    }
}
