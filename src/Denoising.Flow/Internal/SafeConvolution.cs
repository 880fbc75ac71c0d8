using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Internal;

/// <summary>
/// 2-D convolutions that are right on every CPU. On AMD Zen 5 CPUs (AVX-512 with VP2INTERSECT) the oneDNN kernels bundled with
/// libtorch get k x k convolutions (k &gt; 1) wrong, nondeterministically and by errors of the order of the result itself,
/// in two cases (measured against float64, which oneDNN does not serve):
/// <list type="bullet">
/// <item>the FORWARD pass when the input has more than 16 channels and not a multiple of 16 (17, 20, 24, 28, 40, 56...);</item>
/// <item>the gradient with respect to the INPUT when the output channels are not a multiple of 16 (1..15, 20, 24, 40...).</item>
/// </list>
/// The weight gradient and 1 x 1 convolutions are right. Every k x k convolution of the library goes through here: on the CPU,
/// input channels are padded with zero channels (and zero filter taps) to a multiple of 16 in the first case, and output
/// channels with zero filters to a multiple of 16 when an input gradient is needed in the second; the padding is dropped
/// after. The result is the same function; the cost is a few percent on the layers concerned.
/// </summary>
internal static class SafeConvolution
{
    /// <summary>The channel blocking from which the CPU kernels are right.</summary>
    public const long Block = 16;

    /// <summary>conv2d(input, weight, bias) with a symmetric zero <paramref name="padding"/>, stride 1, no groups.</summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, long padding)
    {
        var pad = new[] { padding, padding };
        long outputs = weight.shape[0], inputs = weight.shape[1];
        bool cpuSpatial = input.device_type == DeviceType.CPU && (weight.shape[2] > 1 || weight.shape[3] > 1);
        long extraInputs = cpuSpatial && inputs > Block && inputs % Block != 0 ? RoundUp(inputs) - inputs : 0;
        long extraOutputs = cpuSpatial && input.requires_grad && outputs % Block != 0 ? RoundUp(outputs) - outputs : 0;
        if (extraInputs == 0 && extraOutputs == 0) return nn.functional.conv2d(input, weight, bias, padding: pad);

        using var scope = NewDisposeScope();
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
        if (extraOutputs > 0) y = y.narrow(1, 0, outputs);
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>The convolution of <paramref name="module"/> (stride 1, symmetric padding, no groups) applied to <paramref name="input"/>.</summary>
    public static Tensor Conv2d(TorchSharp.Modules.Conv2d module, Tensor input, long padding) => Conv2d(input, module.weight!, module.bias, padding);

    /// <summary>
    /// The same k x k filter <paramref name="kernel"/> [1, 1, k, k] applied to every channel of <paramref name="batch"/> [B, C, H, W]
    /// (no padding: the caller pads), as single-channel planes.
    /// </summary>
    public static Tensor Depthwise(Tensor batch, Tensor kernel)
    {
        using var scope = NewDisposeScope();
        long b = batch.shape[0], c = batch.shape[1];
        var planes = batch.reshape(b * c, 1, batch.shape[2], batch.shape[3]);
        var result = Conv2d(planes, kernel, null, 0);
        return result.reshape(b, c, result.shape[2], result.shape[3]).MoveToOuterDisposeScope();
    }

    private static long RoundUp(long channels) => (channels + Block - 1) / Block * Block;
}
