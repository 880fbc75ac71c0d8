using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Internal;

/// <summary>
/// 2-D convolutions whose input gradient is right on every CPU. On AMD Zen 5 CPUs (AVX-512 with VP2INTERSECT) the oneDNN kernels
/// bundled with libtorch compute the gradient with respect to the INPUT of a k x k convolution (k &gt; 1) with fewer than 16
/// output channels wrongly and nondeterministically (errors of the order of the gradient itself), while the forward pass and
/// the weight gradient are right. Every such layer of this library (the last convolution of a coupling network, a split prior,
/// a denoiser; the depthwise blur of the data term) therefore runs with its output channels padded to 16 by zero filters when
/// an input gradient is needed on the CPU. The result is the same function; the padded channels are dropped.
/// </summary>
internal static class SafeConvolution
{
    /// <summary>Output channels from which the CPU kernels are right.</summary>
    public const long SafeOutputChannels = 16;

    /// <summary>conv2d(input, weight, bias) with a symmetric zero <paramref name="padding"/>, stride 1, no groups.</summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, long padding)
    {
        long outputs = weight.shape[0];
        var pad = new[] { padding, padding };
        if (!NeedsWorkaround(input, weight)) return nn.functional.conv2d(input, weight, bias, padding: pad);
        using var scope = NewDisposeScope();
        long extra = SafeOutputChannels - outputs;
        var paddedWeight = cat(new[] { weight, zeros(new[] { extra, weight.shape[1], weight.shape[2], weight.shape[3] }, dtype: weight.dtype, device: weight.device) }, 0);
        var paddedBias = bias is null ? null : cat(new[] { bias, zeros(new[] { extra }, dtype: bias.dtype, device: bias.device) }, 0);
        return nn.functional.conv2d(input, paddedWeight, paddedBias, padding: pad).narrow(1, 0, outputs).MoveToOuterDisposeScope();
    }

    /// <summary>The convolution of <paramref name="module"/> (stride 1, symmetric padding, no groups) applied to <paramref name="input"/>.</summary>
    public static Tensor Conv2d(TorchSharp.Modules.Conv2d module, Tensor input, long padding) => Conv2d(input, module.weight!, module.bias, padding);

    /// <summary>
    /// The same k x k filter <paramref name="kernel"/> [1, 1, k, k] applied to every channel of <paramref name="batch"/> [B, C, H, W]
    /// (no padding: the caller pads).
    /// </summary>
    public static Tensor Depthwise(Tensor batch, Tensor kernel)
    {
        long b = batch.shape[0], c = batch.shape[1];
        if (!NeedsWorkaround(batch, kernel))
            return nn.functional.conv2d(batch, kernel.expand(c, 1, kernel.shape[2], kernel.shape[3]), groups: c);
        using var scope = NewDisposeScope();
        var planes = batch.reshape(b * c, 1, batch.shape[2], batch.shape[3]);
        var result = Conv2d(planes, kernel, null, 0);
        return result.reshape(b, c, result.shape[2], result.shape[3]).MoveToOuterDisposeScope();
    }

    private static bool NeedsWorkaround(Tensor input, Tensor weight) =>
        input.requires_grad && input.device_type == DeviceType.CPU && weight.shape[0] < SafeOutputChannels && (weight.shape[2] > 1 || weight.shape[3] > 1);
}
