using Denoising.Flow.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Flows;

/// <summary>
/// A Glow-style normalizing flow for images in [0, 1]: logit preprocessing, then <see cref="GlowOptions.Levels"/>
/// multi-scale levels of <see cref="GlowOptions.StepsPerLevel"/> steps (ActNorm, invertible 1x1 convolution,
/// coupling). It maps x [B, C, H, W] to a latent z of the same shape with z ~ N(0, I) under the model, and
/// log f(x) = log N(z; 0, I) + sum of the layers' log|det J|.
/// </summary>
/// <remarks>
/// Any H and W divisible by 2^L are accepted. Parameters are created on the CPU in float32; move the model with
/// <c>to(device)</c> / <c>to(dtype)</c>; inputs must then have the same dtype and device. The model is a mutable
/// TorchSharp module (it is what training updates); <c>FlowPrior</c> wraps a trained one immutably.
/// </remarks>
public sealed class GlowModel : InvertibleLayer
{
    private static readonly double Log2Pi = Math.Log(2 * Math.PI);

    private readonly LogitTransform logit;
    private readonly MultiScaleBlock body;

    /// <summary>Builds the model with fresh parameters (drawn from torch's global generator).</summary>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public GlowModel(GlowOptions options) : base(nameof(GlowModel), ValidatedChannels(options))
    {
        Options = options;
        logit = new LogitTransform(options.LogitAlpha);
        body = BuildLevel(options, options.InputChannels, options.Levels);
        RegisterComponents();
    }

    /// <summary>The architecture.</summary>
    public GlowOptions Options { get; }

    /// <inheritdoc />
    public override string Name => $"GlowModel(C={Options.InputChannels}, L={Options.Levels}, K={Options.StepsPerLevel}, width={Options.HiddenChannels})";

    /// <inheritdoc />
    public override long[] OutputShape(long[] inputShape)
    {
        base.OutputShape(inputShape);
        return body.OutputShape(inputShape);
    }

    /// <summary>The latent z (same shape as <paramref name="images"/>).</summary>
    public Tensor Encode(Tensor images)
    {
        using var scope = NewDisposeScope();
        return Forward(images).Output.MoveToOuterDisposeScope();
    }

    /// <summary>The images whose latent is <paramref name="latent"/> (exact inverse of <see cref="Encode"/>).</summary>
    public Tensor Decode(Tensor latent) => Inverse(latent);

    /// <summary>log f(x) in nats per image (shape [B]): the density of x on [0, 1]^D.</summary>
    public Tensor LogLikelihood(Tensor images)
    {
        using var scope = NewDisposeScope();
        var (z, logDet) = Forward(images);
        return (StandardNormalLogDensity(z) + logDet).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Negative log-likelihood in bits per dimension for 8-bit data, per image (shape [B]):
    /// (-log f(x) / D + ln 256) / ln 2, D = C * H * W. For the usual bound, pass dequantised images
    /// (<see cref="LogitTransform.Dequantize"/>).
    /// </summary>
    public Tensor BitsPerDim(Tensor images)
    {
        using var scope = NewDisposeScope();
        double dims = images.shape[1] * images.shape[2] * images.shape[3];
        return Internal.BitsPerDim.FromNats(-LogLikelihood(images) / dims).MoveToOuterDisposeScope();
    }

    /// <summary>Draws images from the model at a temperature (z ~ N(0, T^2 I)).</summary>
    public Tensor Sample(int count, int height, int width, double temperature = 1.0, Generator? generator = null)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "Draw at least one sample.");
        if (!(temperature >= 0) || double.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be finite and non-negative.");
        OutputShape(new long[] { Options.InputChannels, height, width });
        using var scope = NewDisposeScope();
        var p = parameters().First();
        var z = randn(new long[] { count, Options.InputChannels, height, width }, dtype: p.dtype, device: p.device, generator: generator) * temperature;
        using var noGrad = no_grad();
        return Inverse(z).MoveToOuterDisposeScope();
    }

    /// <summary>log N(z; 0, I) summed per sample.</summary>
    public static Tensor StandardNormalLogDensity(Tensor z) => (z.square() + Log2Pi).flatten(1).sum(1) * -0.5;

    /// <inheritdoc />
    protected override (Tensor Output, Tensor LogDet) ForwardCore(Tensor input)
    {
        CheckSpatial(input);
        CheckRangeAndFinite(input);
        using var scope = NewDisposeScope();
        var (y, logDet) = logit.Forward(input);
        var (z, bodyLogDet) = body.Forward(y);
        return (z.MoveToOuterDisposeScope(), (logDet + bodyLogDet).MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    protected override Tensor InverseCore(Tensor output)
    {
        CheckSpatial(output);
        using var scope = NewDisposeScope();
        return logit.Inverse(body.Inverse(output)).MoveToOuterDisposeScope();
    }

    private void CheckSpatial(Tensor x)
    {
        long m = Options.SizeMultiple;
        if (x.shape[2] % m != 0 || x.shape[3] % m != 0)
            throw new ArgumentException(
                $"{Name} needs height and width divisible by {m} (2^{Options.Levels}), got shape {Shapes.Of(x)}.", nameof(x));
    }

    private void CheckRangeAndFinite(Tensor x)
    {
        // One device-to-host transfer for all three checks: this runs on every training step of both stages.
        double[] summary;
        using (NewDisposeScope())
        using (no_grad())
        {
            var stats = stack(new[] { x.isnan().any().to(ScalarType.Float64), x.min().to(ScalarType.Float64), x.max().to(ScalarType.Float64) });
            summary = stats.cpu().data<double>().ToArray();
        }
        if (summary[0] > 0)
            throw new ArgumentException($"{Name} got an input with NaN values (shape {Shapes.Of(x)}).", nameof(x));
        if (summary[1] < 0 || summary[2] > 1)
            throw new ArgumentException($"{Name} needs images in [0, 1], got values in [{summary[1]:G4}, {summary[2]:G4}].", nameof(x));
    }

    private static long ValidatedChannels(GlowOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options.InputChannels;
    }

    private static MultiScaleBlock BuildLevel(GlowOptions o, long channels, int remaining)
    {
        long c = 4 * channels;
        var layers = new List<InvertibleLayer>();
        for (int k = 0; k < o.StepsPerLevel; k++)
        {
            layers.Add(new ActNorm(c));
            layers.Add(o.Conv1x1 == Conv1x1Kind.Lu ? new LuConv1x1(c) : new PlainConv1x1(c));
            layers.Add(o.Coupling == CouplingKind.Affine
                ? new AffineCoupling(c, o.HiddenChannels, o.CouplingScaleBound)
                : new AdditiveCoupling(c, o.HiddenChannels));
        }
        var steps = new InvertibleSequence(layers, new[] { c, -1L, -1L });
        if (remaining == 1) return new MultiScaleBlock(channels, steps, null, null);
        var next = BuildLevel(o, c / 2, remaining - 1);
        var prior = o.SplitPrior == SplitPriorKind.Learned ? new LearnedSplitPrior(c) : null;
        return new MultiScaleBlock(channels, steps, prior, next);
    }
}
