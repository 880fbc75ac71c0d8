using Denoising.Flow.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Denoising.Flow.Flows;

/// <summary>
/// A composition of invertible layers: Forward applies them in order and sums their log-determinants;
/// Inverse applies the inverses in reverse order. Shapes are checked when the sequence is built: a layer that
/// cannot take the previous layer's output shape fails then, with both layers and the shape in the message.
/// Any <see cref="IInvertibleLayer"/> can take part, including a user's own; those that are TorchSharp modules are
/// registered, so their parameters train, move and save with the sequence.
/// </summary>
public sealed class InvertibleSequence : InvertibleLayer
{
    private readonly IInvertibleLayer[] steps;
    private readonly ModuleList<nn.Module> layers;
    private readonly long[] inputShape;
    private readonly long[] outputShape;

    /// <summary>Builds the sequence for per-sample inputs of <paramref name="inputShape"/> ([C, H, W]; -1 for a size not known yet).</summary>
    /// <exception cref="ArgumentException">The layers do not fit together or there are none.</exception>
    public InvertibleSequence(IEnumerable<IInvertibleLayer> layers, long[] inputShape)
        : base(nameof(InvertibleSequence), inputShape is { Length: 3 } ? inputShape[0] : null)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(inputShape);
        var list = layers.ToList();
        if (list.Any(l => l is null)) throw new ArgumentException("A sequence cannot hold a null layer.", nameof(layers));
        if (list.Count == 0) throw new ArgumentException("A sequence needs at least one layer.", nameof(layers));
        if (inputShape.Length != 3)
            throw new ArgumentException($"The input shape must be [C, H, W], got {Shapes.Format(inputShape)}.", nameof(inputShape));

        var shape = (long[])inputShape.Clone();
        for (int i = 0; i < list.Count; i++)
        {
            try
            {
                shape = list[i].OutputShape(shape);
            }
            catch (ArgumentException e)
            {
                string previous = i == 0 ? "the sequence input" : $"layer {i - 1} ({list[i - 1].Name})";
                throw new ArgumentException(
                    $"Layer {i} ({list[i].Name}) cannot take the per-sample shape {Shapes.Format(shape)} produced by {previous}: {e.Message}",
                    nameof(layers), e);
            }
        }

        this.inputShape = (long[])inputShape.Clone();
        outputShape = shape;
        steps = list.ToArray();
        this.layers = new ModuleList<nn.Module>(list.OfType<nn.Module>().ToArray());
        RegisterComponents();
    }

    /// <inheritdoc />
    public override string Name => $"InvertibleSequence({steps.Length} layers)";

    /// <summary>The layers, in forward order.</summary>
    public IReadOnlyList<IInvertibleLayer> Layers => steps;

    /// <summary>The per-sample output shape for the input shape the sequence was built for.</summary>
    public IReadOnlyList<long> BuiltOutputShape => outputShape;

    /// <inheritdoc />
    public override long[] OutputShape(long[] inputShape)
    {
        var shape = inputShape;
        foreach (var layer in steps) shape = layer.OutputShape(shape);
        return shape;
    }

    /// <inheritdoc />
    protected override long? OutputChannels => outputShape[0];

    /// <inheritdoc />
    protected override (Tensor Output, Tensor LogDet) ForwardCore(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input;
        var total = ZeroLogDet(input);
        foreach (var layer in steps)
        {
            var (y, logDet) = layer.Forward(x);
            total = total + logDet;
            x = y;
        }
        return (x.MoveToOuterDisposeScope(), total.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    protected override Tensor InverseCore(Tensor output)
    {
        using var scope = NewDisposeScope();
        var y = output;
        for (int i = steps.Length - 1; i >= 0; i--) y = steps[i].Inverse(y);
        return y.MoveToOuterDisposeScope();
    }
}
