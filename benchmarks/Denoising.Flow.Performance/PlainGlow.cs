using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Denoising.Flow.Performance;

/// <summary>
/// The library's Glow (logit preprocessing, squeeze, K x (ActNorm, LU 1x1 conv, affine coupling conv3x3-ReLU-conv1x1-ReLU-
/// zeroconv3x3 with log-scale 2 tanh(raw/2)), learned split prior with log-sigma bound 5) written directly on TorchSharp's
/// functional API: no modules, no invertible-layer checks, no range check. Its weights are copied from a library
/// <see cref="Flows.GlowModel"/>'s state dictionary, so both compute the same function.
/// </summary>
internal sealed class PlainGlow : IDisposable
{
    private const double Alpha = 0.05;
    private readonly List<Step[]> levels = new();
    private readonly List<SplitWeights> splits = new();
    private readonly List<Tensor> owned = new();

    public PlainGlow(IDictionary<string, Tensor> state, int levelCount, int stepsPerLevel, bool trainable, bool safePadding)
    {
        SafePadding = safePadding;
        string prefix = "body.";
        for (int l = 0; l < levelCount; l++)
        {
            var steps = new Step[stepsPerLevel];
            for (int k = 0; k < stepsPerLevel; k++)
            {
                string an = $"{prefix}steps.layers.{3 * k}.", lu = $"{prefix}steps.layers.{(3 * k) + 1}.", co = $"{prefix}steps.layers.{(3 * k) + 2}.network.";
                steps[k] = new Step
                {
                    ActNormBias = Take(state, an + "bias", trainable),
                    ActNormLogScale = Take(state, an + "logScale", trainable),
                    Initialized = state[an + "initialized"].ToDouble() > 0.5,
                    Permutation = Take(state, lu + "permutation", false),
                    Sign = Take(state, lu + "sign", false),
                    Lower = Take(state, lu + "lower", trainable),
                    Upper = Take(state, lu + "upper", trainable),
                    LogS = Take(state, lu + "logS", trainable),
                    InputWeight = Take(state, co + "input.weight", trainable),
                    InputBias = Take(state, co + "input.bias", trainable),
                    HiddenWeight = Take(state, co + "hidden.weight", trainable),
                    HiddenBias = Take(state, co + "hidden.bias", trainable),
                    OutputWeight = Take(state, co + "output.conv.weight", trainable),
                    OutputBias = Take(state, co + "output.conv.bias", trainable),
                    OutputLogScale = Take(state, co + "output.logScale", trainable),
                };
            }
            levels.Add(steps);
            if (l < levelCount - 1)
            {
                string sp = prefix + "splitPrior.conditioner.";
                splits.Add(new SplitWeights(Take(state, sp + "conv.weight", trainable), Take(state, sp + "conv.bias", trainable), Take(state, sp + "logScale", trainable)));
            }
            prefix += "next.";
        }
    }

    public bool SafePadding { get; }

    /// <summary>The trainable tensors (empty when built frozen).</summary>
    public List<Parameter> Parameters { get; } = new();

    public void Dispose()
    {
        foreach (var t in owned) t.Dispose();
    }

    /// <summary>log f(x) in nats per image, x in [0, 1] of shape [B, C, H, W].</summary>
    public Tensor LogLikelihood(Tensor x)
    {
        using var scope = NewDisposeScope();
        var s = (x * (1 - (2 * Alpha))) + Alpha;
        var logS = s.log();
        var log1mS = (1 - s).log();
        var logDet = (Math.Log(1 - (2 * Alpha)) - logS - log1mS).flatten(1).sum(1);
        var (z, body) = Level(logS - log1mS, 0);
        var density = (z.square() + Math.Log(2 * Math.PI)).flatten(1).sum(1) * -0.5;
        return (density + logDet + body).MoveToOuterDisposeScope();
    }

    private (Tensor Z, Tensor LogDet) Level(Tensor x, int l)
    {
        var y = nn.functional.pixel_unshuffle(x, 2);
        Tensor logDet = zeros(x.shape[0], dtype: x.dtype, device: x.device);
        foreach (var step in levels[l])
        {
            var (next, ld) = Forward(step, y);
            y = next;
            logDet = logDet + ld;
        }
        if (l < levels.Count - 1)
        {
            var split = splits[l];
            long c = y.shape[1], kept = c / 2, fact = c - kept;
            var k = y.narrow(1, 0, kept);
            var z = y.narrow(1, kept, fact);
            var h = Conv(k, split.Weight, split.Bias, 1) * (split.LogScale * 3).exp();
            var mean = h.narrow(1, 0, fact);
            var logSigma = (h.narrow(1, fact, fact) / 5.0).tanh() * 5.0;
            var e = (z - mean) * (-logSigma).exp();
            var (keptLatent, nextLogDet) = Level(k, l + 1);
            y = cat(new[] { keptLatent, e }, 1);
            logDet = logDet - logSigma.sum(new long[] { 1, 2, 3 }) + nextLogDet;
        }
        return (nn.functional.pixel_shuffle(y, 2), logDet);
    }

    private (Tensor Y, Tensor LogDet) Forward(Step p, Tensor x)
    {
        long b = x.shape[0], c = x.shape[1], hw = x.shape[2] * x.shape[3], kept = c / 2, t = c - kept;
        if (!p.Initialized)
        {
            using var noGrad = no_grad();
            p.ActNormBias.copy_(-x.mean(new long[] { 0, 2, 3 }, keepdim: true));
            p.ActNormLogScale.copy_(-(x.std(new long[] { 0, 2, 3 }, unbiased: false, keepdim: true) + 1e-6).log());
            p.Initialized = true;
        }
        var y = (x + p.ActNormBias) * p.ActNormLogScale.exp();
        var logDet = (p.ActNormLogScale.sum() * hw).expand(b);
        var eye = torch.eye(c, dtype: x.dtype, device: x.device);
        var w = p.Permutation.matmul(p.Lower.tril(-1) + eye).matmul(p.Upper.triu(1) + diag(p.Sign * p.LogS.exp()));
        y = nn.functional.conv2d(y, w.view(c, c, 1, 1));
        logDet = logDet + (p.LogS.sum() * hw).expand(b);
        var a = y.narrow(1, 0, kept);
        var part = y.narrow(1, kept, t);
        var h = nn.functional.relu(Conv(a, p.InputWeight, p.InputBias, 1));
        h = nn.functional.relu(nn.functional.conv2d(h, p.HiddenWeight, p.HiddenBias));
        h = Conv(h, p.OutputWeight, p.OutputBias, 1) * (p.OutputLogScale * 3).exp();
        var logScale = (h.narrow(1, 0, t) / 2.0).tanh() * 2.0;
        var yb = (part * logScale.exp()) + h.narrow(1, t, t);
        return (cat(new[] { a, yb }, 1), logDet + logScale.sum(new long[] { 1, 2, 3 }));
    }

    private Tensor Conv(Tensor x, Tensor w, Tensor b, long padding) => PlainConv.Conv2d(x, w, b, padding, SafePadding);

    private Tensor Take(IDictionary<string, Tensor> state, string key, bool trainable)
    {
        if (!state.TryGetValue(key, out var source)) throw new KeyNotFoundException($"The Glow state has no '{key}' (keys: {string.Join(", ", state.Keys.Take(12))}...).");
        var copy = source.detach().clone();
        copy.DetachFromDisposeScope();
        if (!trainable)
        {
            owned.Add(copy);
            return copy;
        }
        var parameter = new Parameter(copy, requires_grad: true);
        parameter.DetachFromDisposeScope();
        Parameters.Add(parameter);
        owned.Add(parameter);
        return parameter;
    }

    private sealed class Step
    {
        public required Tensor ActNormBias { get; init; }
        public required Tensor ActNormLogScale { get; init; }
        public required bool Initialized { get; set; }
        public required Tensor Permutation { get; init; }
        public required Tensor Sign { get; init; }
        public required Tensor Lower { get; init; }
        public required Tensor Upper { get; init; }
        public required Tensor LogS { get; init; }
        public required Tensor InputWeight { get; init; }
        public required Tensor InputBias { get; init; }
        public required Tensor HiddenWeight { get; init; }
        public required Tensor HiddenBias { get; init; }
        public required Tensor OutputWeight { get; init; }
        public required Tensor OutputBias { get; init; }
        public required Tensor OutputLogScale { get; init; }
    }

    private sealed record SplitWeights(Tensor Weight, Tensor Bias, Tensor LogScale);
}

/// <summary>
/// The same channel padding as the library's SafeConvolution (oneDNN on Zen 5 gets some k x k convolutions wrong), written
/// again here so that the plain side pays the same cost; <c>safe: false</c> calls conv2d directly (timing probe only:
/// its results can be wrong on Zen 5).
/// </summary>
internal static class PlainConv
{
    private const long Block = 16;

    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, long padding, bool safe)
    {
        var pad = new[] { padding, padding };
        long outputs = weight.shape[0], inputs = weight.shape[1];
        bool spatial = safe && input.device_type == DeviceType.CPU && (weight.shape[2] > 1 || weight.shape[3] > 1);
        long extraInputs = spatial && inputs > Block && inputs % Block != 0 ? RoundUp(inputs) - inputs : 0;
        long extraOutputs = spatial && input.requires_grad && outputs % Block != 0 ? RoundUp(outputs) - outputs : 0;
        if (extraInputs == 0 && extraOutputs == 0) return nn.functional.conv2d(input, weight, bias, padding: pad);
        var x = input;
        var w = weight;
        var b = bias;
        if (extraInputs > 0)
        {
            x = cat(new[] { x, zeros(new[] { x.shape[0], extraInputs, x.shape[2], x.shape[3] }, dtype: x.dtype, device: x.device) }, 1);
            w = cat(new[] { w, zeros(new[] { outputs, extraInputs, w.shape[2], w.shape[3] }, dtype: w.dtype, device: w.device) }, 1);
        }
        if (extraOutputs > 0)
        {
            w = cat(new[] { w, zeros(new[] { extraOutputs, w.shape[1], w.shape[2], w.shape[3] }, dtype: w.dtype, device: w.device) }, 0);
            if (b is not null) b = cat(new[] { b, zeros(new[] { extraOutputs }, dtype: b.dtype, device: b.device) }, 0);
        }
        var y = nn.functional.conv2d(x, w, b, padding: pad);
        return extraOutputs > 0 ? y.narrow(1, 0, outputs) : y;
    }

    private static long RoundUp(long channels) => (channels + Block - 1) / Block * Block;
}
