using static TorchSharp.torch;

namespace Denoising.Flow.Internal;

/// <summary>
/// The 8 symmetries of the square (flips and 90-degree rotations) on the last two dimensions of a tensor, numbered 0..7:
/// bit 0 flips the width, bit 1 the height, bit 2 transposes. Used for patch augmentation and the self-ensemble.
/// </summary>
internal static class SquareSymmetry
{
    public const int Count = 8;

    /// <summary>Applies symmetry <paramref name="s"/> to the last two dimensions (a view where possible).</summary>
    public static Tensor Apply(Tensor x, int s)
    {
        long h = x.dim() - 2, w = x.dim() - 1;
        if ((s & 1) != 0) x = x.flip(w);
        if ((s & 2) != 0) x = x.flip(h);
        if ((s & 4) != 0) x = x.transpose(h, w);
        return x;
    }

    /// <summary>Undoes <see cref="Apply"/> with the same <paramref name="s"/>.</summary>
    public static Tensor Invert(Tensor x, int s)
    {
        long h = x.dim() - 2, w = x.dim() - 1;
        if ((s & 4) != 0) x = x.transpose(h, w);
        if ((s & 2) != 0) x = x.flip(h);
        if ((s & 1) != 0) x = x.flip(w);
        return x;
    }
}
