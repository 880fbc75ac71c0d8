using Denoising.Flow.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Flows;

/// <summary>
/// One level of a multi-scale flow (Real NVP / Glow), recursive: squeeze, K flow steps, then, unless this is the
/// last level, split the channels: the first half continues through the next level, the second half is factored
/// out as latent (optionally standardised by a <see cref="LearnedSplitPrior"/>). The result is un-squeezed, so the
/// whole block maps [C, H, W] to a latent of the same shape; all its reshaping is a permutation.
/// </summary>
public sealed class MultiScaleBlock : InvertibleLayer
{
    private readonly Squeeze squeeze;
    private readonly InvertibleSequence steps;
    private readonly LearnedSplitPrior? splitPrior;
    private readonly MultiScaleBlock? next;

    /// <summary>Creates a block.</summary>
    /// <param name="channels">Input channels C (the steps work on 4C).</param>
    /// <param name="steps">The flow steps, built for 4C channels.</param>
    /// <param name="splitPrior">The learned split prior for 4C channels, or null for a standard Gaussian; ignored when <paramref name="next"/> is null.</param>
    /// <param name="next">The next level, taking 2C channels, or null when this is the last level.</param>
    public MultiScaleBlock(long channels, InvertibleSequence steps, LearnedSplitPrior? splitPrior, MultiScaleBlock? next)
        : base(nameof(MultiScaleBlock), channels)
    {
        ArgumentNullException.ThrowIfNull(steps);
        squeeze = new Squeeze();
        this.steps = steps;
        this.next = next;
        this.splitPrior = next is null ? null : splitPrior;
        KeptChannels = 2 * channels;
        var stepOutput = steps.OutputShape(new[] { 4 * channels, -1L, -1L });
        if (stepOutput[0] != 4 * channels)
            throw new ArgumentException($"The steps of {Name} must keep {4 * channels} channels, they give {Shapes.Format(stepOutput)}.", nameof(steps));
        if (this.splitPrior is { } p) p.OutputShape(stepOutput);
        if (next is not null && next.Channels != KeptChannels)
            throw new ArgumentException($"The next level after {Name} must take {KeptChannels} channels, it takes {next.Channels}.", nameof(next));
        RegisterComponents();
    }

    /// <summary>Number of levels from this one down.</summary>
    public int Levels => 1 + (next?.Levels ?? 0);

    /// <summary>Channels passed to the next level (after the squeeze, half of 4C).</summary>
    public long KeptChannels { get; }

    /// <inheritdoc />
    public override long[] OutputShape(long[] inputShape)
    {
        base.OutputShape(inputShape);
        long factor = 1L << Levels;
        foreach (var (size, what) in new[] { (inputShape[1], "height"), (inputShape[2], "width") })
        {
            if (size >= 0 && size % factor != 0)
                throw new ArgumentException($"{Name} with {Levels} level(s) needs the {what} divisible by {factor}, got per-sample shape {Shapes.Format(inputShape)}.", nameof(inputShape));
        }
        return (long[])inputShape.Clone();
    }

    /// <inheritdoc />
    protected override (Tensor Output, Tensor LogDet) ForwardCore(Tensor input)
    {
        using var scope = NewDisposeScope();
        var (y, logDet) = squeeze.Forward(input);
        var (stepped, stepsLogDet) = steps.Forward(y);
        y = stepped;
        logDet = logDet + stepsLogDet;
        if (next is not null)
        {
            if (splitPrior is not null)
            {
                var (standardised, priorLogDet) = splitPrior.Forward(y);
                y = standardised;
                logDet = logDet + priorLogDet;
            }
            var kept = y.narrow(1, 0, KeptChannels);
            var factored = y.narrow(1, KeptChannels, y.shape[1] - KeptChannels);
            var (keptLatent, nextLogDet) = next.Forward(kept);
            y = cat(new[] { keptLatent, factored }, 1);
            logDet = logDet + nextLogDet;
        }
        return (squeeze.Inverse(y).MoveToOuterDisposeScope(), logDet.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    protected override Tensor InverseCore(Tensor output)
    {
        using var scope = NewDisposeScope();
        var (y, _) = squeeze.Forward(output);
        if (next is not null)
        {
            var keptLatent = y.narrow(1, 0, KeptChannels);
            var factored = y.narrow(1, KeptChannels, y.shape[1] - KeptChannels);
            y = cat(new[] { next.Inverse(keptLatent), factored }, 1);
            if (splitPrior is not null) y = splitPrior.Inverse(y);
        }
        y = steps.Inverse(y);
        return squeeze.Inverse(y).MoveToOuterDisposeScope();
    }
}
