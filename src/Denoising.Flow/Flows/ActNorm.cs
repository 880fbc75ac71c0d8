using Denoising.Flow.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Denoising.Flow.Flows;

/// <summary>
/// Activation normalisation (Glow): y = (x + bias) * exp(logScale) per channel; log|det J| = H * W * sum(logScale).
/// </summary>
/// <remarks>
/// With <see cref="ActNormInitialization.DataDependent"/> the first <see cref="InvertibleLayer.Forward"/> in training
/// mode sets bias and scale so that that batch has zero mean and unit variance per channel; call
/// <see cref="InitializeFrom"/> to do it explicitly. Whether the layer is initialised is kept in a buffer, so it is saved
/// with the weights and a loaded layer is never initialised again.
/// </remarks>
public sealed class ActNorm : InvertibleLayer
{
    private const double Epsilon = 1e-6;

    private readonly Parameter bias;
    private readonly Parameter logScale;
    private readonly Tensor initialized;

    /// <summary>Creates the layer for <paramref name="channels"/> channels.</summary>
    public ActNorm(long channels, ActNormInitialization initialization = ActNormInitialization.DataDependent)
        : base(nameof(ActNorm), channels)
    {
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, "ActNorm needs at least one channel.");
        bias = nn.Parameter(zeros(1, channels, 1, 1));
        logScale = nn.Parameter(zeros(1, channels, 1, 1));
        initialized = tensor(initialization == ActNormInitialization.Identity ? 1f : 0f);
        RegisterComponents();
    }

    /// <summary>True once the layer was initialised from data, or was created with <see cref="ActNormInitialization.Identity"/>.</summary>
    public bool IsInitialized => initialized.ToDouble() > 0.5;

    /// <summary>The per-channel bias [1, C, 1, 1].</summary>
    public Tensor Bias => bias;

    /// <summary>The per-channel log-scale [1, C, 1, 1].</summary>
    public Tensor LogScale => logScale;

    /// <summary>Sets bias and scale so that <paramref name="batch"/> has zero mean and unit variance per channel.</summary>
    public void InitializeFrom(Tensor batch)
    {
        if (batch.dim() != 4 || batch.shape[1] != Channels)
            throw new ArgumentException($"{Name} cannot initialise from shape {Shapes.Of(batch)}.", nameof(batch));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var dims = new long[] { 0, 2, 3 };
        var mean = batch.mean(dims, keepdim: true);
        var std = batch.std(dims, unbiased: false, keepdim: true);
        bias.copy_(-mean);
        logScale.copy_(-(std + Epsilon).log());
        initialized.fill_(1);
    }

    /// <inheritdoc />
    protected override (Tensor Output, Tensor LogDet) ForwardCore(Tensor input)
    {
        if (training && !IsInitialized) InitializeFrom(input);
        var output = (input + bias) * logScale.exp();
        var logDet = (logScale.sum() * (input.shape[2] * input.shape[3])).expand(input.shape[0]);
        return (output, logDet);
    }

    /// <inheritdoc />
    protected override Tensor InverseCore(Tensor output) => output * (-logScale).exp() - bias;
}

/// <summary>How an <see cref="ActNorm"/> layer starts.</summary>
public enum ActNormInitialization
{
    /// <summary>From the first training batch (Glow's data-dependent initialisation).</summary>
    DataDependent,

    /// <summary>As the identity (bias 0, scale 1), already counted as initialised.</summary>
    Identity,
}
