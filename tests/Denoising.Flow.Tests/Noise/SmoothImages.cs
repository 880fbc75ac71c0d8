using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Noise;

/// <summary>Smooth synthetic test images: ramps plus a wide Gaussian blob, values in about [0.15, 0.9].</summary>
internal static class SmoothImages
{
    public static Tensor Make(int channels, int height, int width, ScalarType dtype = ScalarType.Float32)
    {
        using var scope = torch.NewDisposeScope();
        var y = torch.linspace(0, 1, height, ScalarType.Float64).reshape(height, 1);
        var x = torch.linspace(0, 1, width, ScalarType.Float64).reshape(1, width);
        var blob = ((x - 0.35).square() + (y - 0.6).square()).div(-2 * 0.2 * 0.2).exp();
        var planes = Enumerable.Range(0, channels)
            .Select(c => (0.15 + 0.25 * x + (0.1 + 0.1 * c) * y + 0.3 * blob).unsqueeze(0))
            .ToArray();
        return torch.cat(planes, 0).to(dtype).MoveToOuterDisposeScope();
    }
}
