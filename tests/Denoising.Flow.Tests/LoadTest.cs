using FluentAssertions;
using TorchSharp;
using Xunit;
namespace Denoising.Flow.Tests;
public class LoadTest
{
    [Fact]
    public void Conv2d_runs()
    {
        var x = torch.randn(1, 1, 8, 8, requires_grad: true);
        var y = torch.nn.functional.conv2d(x, torch.ones(1, 1, 3, 3));
        y.sum().backward();
        x.grad!.shape.Should().Equal(1, 1, 8, 8);
    }
}
