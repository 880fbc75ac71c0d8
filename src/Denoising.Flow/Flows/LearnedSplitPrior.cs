using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Flows;

/// <summary>
/// The learned Gaussian of a multi-scale split (Glow), written as an invertible layer: the first
/// <see cref="KeptChannels"/> channels pass unchanged; the factored-out channels z are standardised,
/// e = (z - mu(kept)) * exp(-logSigma(kept)), with mu and logSigma from a zero-initialised convolution of the kept half.
/// Then e ~ N(0, I) under the model, so the base distribution of the whole flow stays standard normal and
/// log N(z; mu, sigma) = log N(e; 0, I) + log|det J| with log|det J| = -sum(logSigma). Starts as the identity.
/// </summary>
public sealed class LearnedSplitPrior : InvertibleLayer
{
    private const double LogSigmaBound = 5.0;
    private readonly ZeroConv2d conditioner;

    /// <summary>Creates the layer for <paramref name="channels"/> channels, of which the first half (rounded down) is kept.</summary>
    public LearnedSplitPrior(long channels) : base(nameof(LearnedSplitPrior), channels)
    {
        if (channels < 2) throw new ArgumentOutOfRangeException(nameof(channels), channels, "A split needs at least 2 channels.");
        KeptChannels = channels / 2;
        FactoredChannels = channels - KeptChannels;
        conditioner = new ZeroConv2d(KeptChannels, 2 * FactoredChannels);
        RegisterComponents();
    }

    /// <summary>Channels that continue to the next level.</summary>
    public long KeptChannels { get; }

    /// <summary>Channels factored out at this level.</summary>
    public long FactoredChannels { get; }

    /// <inheritdoc />
    protected override (Tensor Output, Tensor LogDet) ForwardCore(Tensor input)
    {
        using var scope = NewDisposeScope();
        var kept = input.narrow(1, 0, KeptChannels);
        var z = input.narrow(1, KeptChannels, FactoredChannels);
        var (mean, logSigma) = Gaussian(kept);
        var e = (z - mean) * (-logSigma).exp();
        var logDet = -logSigma.sum(new long[] { 1, 2, 3 });
        return (cat(new[] { kept, e }, 1).MoveToOuterDisposeScope(), logDet.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    protected override Tensor InverseCore(Tensor output)
    {
        using var scope = NewDisposeScope();
        var kept = output.narrow(1, 0, KeptChannels);
        var e = output.narrow(1, KeptChannels, FactoredChannels);
        var (mean, logSigma) = Gaussian(kept);
        return cat(new[] { kept, e * logSigma.exp() + mean }, 1).MoveToOuterDisposeScope();
    }

    private (Tensor Mean, Tensor LogSigma) Gaussian(Tensor kept)
    {
        var h = conditioner.forward(kept);
        var mean = h.narrow(1, 0, FactoredChannels);
        var logSigma = (h.narrow(1, FactoredChannels, FactoredChannels) / LogSigmaBound).tanh() * LogSigmaBound;
        return (mean, logSigma);
    }
}
