using Denoising.Flow.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Flows;

/// <summary>
/// Base class of the library's invertible layers: a TorchSharp module that implements
/// <see cref="IInvertibleLayer"/>. It checks the input's rank and channel count, then calls
/// <see cref="ForwardCore"/> / <see cref="InverseCore"/>. There is no lowercase <c>forward</c>:
/// <see cref="Forward"/> is the single entry point.
/// </summary>
public abstract class InvertibleLayer : nn.Module, IInvertibleLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="name">The module name, also used in messages.</param>
    /// <param name="channels">The channel count the layer takes, or null when it takes any.</param>
    protected InvertibleLayer(string name, long? channels) : base(name)
    {
        Channels = channels;
    }

    /// <inheritdoc />
    public virtual string Name => Channels is { } c ? $"{GetType().Name}({c})" : GetType().Name;

    /// <summary>The channel count this layer takes, or null when it takes any.</summary>
    public long? Channels { get; }

    /// <inheritdoc />
    public (Tensor Output, Tensor LogDet) Forward(Tensor input)
    {
        CheckBatch(input, Channels);
        return ForwardCore(input);
    }

    /// <inheritdoc />
    public Tensor Inverse(Tensor output)
    {
        CheckBatch(output, OutputChannels);
        return InverseCore(output);
    }

    /// <inheritdoc />
    public virtual Tensor LogDet(Tensor input)
    {
        using var scope = NewDisposeScope();
        var (_, logDet) = Forward(input);
        return logDet.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public virtual long[] OutputShape(long[] inputShape)
    {
        if (Channels is { } c) SampleShape.RequireChannels(Name, inputShape, c);
        else if (inputShape.Length != 3)
            throw new ArgumentException($"{Name} expects a per-sample shape [C, H, W] but got {Shapes.Format(inputShape)}.", nameof(inputShape));
        return (long[])inputShape.Clone();
    }

    /// <summary>Registers the fields as components and detaches the weights from any open dispose scope, so they live as long as the layer.</summary>
    protected override void RegisterComponents()
    {
        base.RegisterComponents();
        this.DetachFromScopes();
    }

    /// <summary>The channel count of the output (defaults to <see cref="Channels"/>).</summary>
    protected virtual long? OutputChannels => Channels;

    /// <summary>The forward map, called after the input was checked.</summary>
    protected abstract (Tensor Output, Tensor LogDet) ForwardCore(Tensor input);

    /// <summary>The inverse map, called after the output was checked.</summary>
    protected abstract Tensor InverseCore(Tensor output);

    /// <summary>A zero log-determinant for the batch of <paramref name="like"/>, with its dtype and device.</summary>
    protected static Tensor ZeroLogDet(Tensor like) => zeros(like.shape[0], dtype: like.dtype, device: like.device);

    private void CheckBatch(Tensor x, long? channels)
    {
        if (x.dim() != 4)
            throw new ArgumentException($"{Name} expects a batch [B, C, H, W] but got shape {Shapes.Of(x)}.", nameof(x));
        if (channels is { } c && x.shape[1] != c)
            throw new ArgumentException($"{Name} expects a batch [B, {c}, H, W] ({c} channels) but got shape {Shapes.Of(x)}.", nameof(x));
    }
}
