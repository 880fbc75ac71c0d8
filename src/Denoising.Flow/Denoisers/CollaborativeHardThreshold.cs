using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Denoisers;

/// <summary>
/// Collaborative hard thresholding: the first stage of BM3D (<see cref="CollaborativeFilter"/>), which needs no pilot. For each
/// reference patch, the <see cref="GroupSize"/> patches most similar to it in the noisy image are grouped; every coefficient of
/// the group's 3-D transform smaller in magnitude than <see cref="Threshold"/> sigma is set to zero (the group's mean, its
/// first coefficient, is always kept); each group is weighted by 1 / (sigma^2 * the number of coefficients kept). Grouping
/// makes a texture that repeats across the window stand out of the noise in few coefficients, so what this keeps is often
/// detail a smoother estimate has lost; its output serves as a pilot of <see cref="CollaborativeWiener"/>.
/// Parameters: the normal profile of the BM3D paper (patch 8, groups of 16, search window 39, references every 3 pixels,
/// threshold 2.7 sigma), with the 2-D DCT of each patch and the Haar transform along the group.
/// </summary>
internal static class CollaborativeHardThreshold
{
    /// <summary>Patches per group.</summary>
    public const int GroupSize = 16;

    /// <summary>Coefficients below this multiple of the noise level are set to zero.</summary>
    public const double Threshold = 2.7;

    /// <summary>The stage: groups of <see cref="GroupSize"/> found in the noisy image, hard thresholding.</summary>
    internal static CollaborativeFilter.Stage Stage { get; } = new(GroupSize, Shrink);

    /// <summary>
    /// Filters each image of <paramref name="noisy"/> [B, C, H, W] at the noise level <paramref name="levels"/> [B, C] of each
    /// channel ([0, 1] scale). Returns [B, C, H, W] in the input's dtype. An image smaller than a patch is returned as it is.
    /// </summary>
    public static Tensor Filter(Tensor noisy, Tensor levels) => CollaborativeFilter.Filter(Stage, noisy, Array.Empty<Tensor>(), null, levels);

    private static (Tensor Gains, Tensor Weights) Shrink(Tensor noisy, IReadOnlyList<Tensor> pilots, Tensor variance)
    {
        var kept = noisy.square() >= (Threshold * Threshold) * variance;
        using var always = true.ToScalar();                              // held, not left to the collector (see BlockMatching)
        kept.select(1, 0).select(-1, 0).fill_(always);                   // the group's mean: coefficient (0, 0) of the group
        var gains = kept.to(noisy.dtype);
        return (gains, (variance.view(-1, 1) * gains.sum(new long[] { 1, 3 })).reciprocal());
    }
}
