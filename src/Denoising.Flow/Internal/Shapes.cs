using System.Globalization;

namespace Denoising.Flow.Internal;

/// <summary>The one way shapes are written in messages: "[2, 3, 64, 64]", with "?" for a size not known yet (-1).</summary>
internal static class Shapes
{
    public static string Format(long[] shape) =>
        "[" + string.Join(", ", shape.Select(d => d < 0 ? "?" : d.ToString(CultureInfo.InvariantCulture))) + "]";

    public static string Of(TorchSharp.torch.Tensor tensor) => Format(tensor.shape);
}
