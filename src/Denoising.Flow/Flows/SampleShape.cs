using Denoising.Flow.Internal;
namespace Denoising.Flow.Flows;

/// <summary>Helpers for per-sample shapes [C, H, W] where -1 marks a size that is not known yet.</summary>
internal static class SampleShape
{

    /// <summary>Checks a rank-3 per-sample shape with <paramref name="channels"/> channels.</summary>
    public static void RequireChannels(string layer, long[] shape, long channels)
    {
        if (shape.Length != 3)
            throw new ArgumentException($"{layer} expects a per-sample shape [C, H, W] but got {Shapes.Format(shape)}.", nameof(shape));
        if (shape[0] != channels)
            throw new ArgumentException($"{layer} expects a per-sample shape [{channels}, H, W] ({channels} channels) but got {Shapes.Format(shape)}.", nameof(shape));
    }

    /// <summary>Halves a spatial size that must be even (or unknown).</summary>
    public static long Half(string layer, long[] shape, long size, string what)
    {
        if (size < 0) return -1;
        if (size % 2 != 0)
            throw new ArgumentException($"{layer} needs an even {what}, got per-sample shape {Shapes.Format(shape)}.", nameof(shape));
        return size / 2;
    }
}
