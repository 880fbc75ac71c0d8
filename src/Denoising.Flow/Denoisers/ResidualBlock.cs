using Denoising.Flow.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Denoising.Flow.Denoisers;

/// <summary>relu(x + conv(relu(conv(x)))), two 3x3 convolutions of <c>width</c> channels: the block of every denoiser body.</summary>
internal sealed class ResidualBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d first;
    private readonly Conv2d second;

    public ResidualBlock(long width) : base(nameof(ResidualBlock))
    {
        first = nn.Conv2d(width, width, 3, padding: 1);
        second = nn.Conv2d(width, width, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = SafeConvolution.Conv2d(second, nn.functional.relu(SafeConvolution.Conv2d(first, x, padding: 1)), padding: 1);
        return nn.functional.relu(x + h).MoveToOuterDisposeScope();
    }

    /// <summary>The parameters of one block of <paramref name="width"/> channels: two 3x3 convolutions with biases.</summary>
    public static double ParameterCount(double width) => 2 * ((width * width * 9) + width);

    /// <summary>Blocks applied one after the other.</summary>
    public static Tensor Chain(ModuleList<ResidualBlock> blocks, Tensor x)
    {
        foreach (var block in blocks) x = block.forward(x);
        return x;
    }

    /// <summary><paramref name="count"/> new blocks of <paramref name="width"/> channels.</summary>
    public static ModuleList<ResidualBlock> Stage(int count, long width) =>
        new(Enumerable.Range(0, count).Select(_ => new ResidualBlock(width)).ToArray());
}
