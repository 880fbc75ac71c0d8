using FluentAssertions;
using TorchSharp;
using Xunit;

namespace Denoising.Flow.Tests.TestSupport;

/// <summary>Proves that the native TorchSharp backend loads on this host (the build-time fix on Debian 12 / Ubuntu 22.04).</summary>
public class TorchLoadTests
{
    [Fact]
    public void Conv2d_ForwardAndBackward_Run()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(1, 1, 8, 8, requires_grad: true);
        var y = torch.nn.functional.conv2d(x, torch.ones(1, 1, 3, 3));
        y.sum().backward();
        x.grad!.shape.Should().Equal(1, 1, 8, 8);
        x.grad!.sum().ToSingle().Should().BeApproximately(36 * 9, 1e-3f);
    }
}
