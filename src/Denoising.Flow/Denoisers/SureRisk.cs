using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Denoisers;

/// <summary>
/// Stein's unbiased risk estimate (SURE) of each image's squared error for the blend x = D + beta (N - D) of a denoiser's
/// output D with its noisy input N, and the beta that minimises it. With sigma the noise level, n the values of one image,
/// r = ||D - N||^2 and div D the divergence of the denoiser at N,
/// SURE(beta) = (1 - beta)^2 r - n sigma^2 + 2 sigma^2 ((1 - beta) div D + beta n),
/// a parabola whose minimum lies at 1 - beta = sigma^2 (n - div D) / r. div D is estimated by Monte Carlo
/// (Ramani, Blu and Unser 2008): div D ~ b . (D(N + eps b) - D(N)) / eps, with a Gaussian probe b and eps = StepScale * sigma.
/// No clean image is involved: beta is chosen from the noisy image alone.
/// </summary>
internal static class SureRisk
{
    /// <summary>The Monte-Carlo step relative to the noise level (eps = StepScale * sigma).</summary>
    public const double StepScale = 1e-3;

    /// <summary>Smallest noise level used for the step, on the [0, 1] scale (a clean image still gets a usable step).</summary>
    public const double MinimumStepLevel = 1.0 / 255;

    /// <summary>Seed of the probe: the same image gives the same result on every call.</summary>
    public const ulong ProbeSeed = 0x5eed;

    /// <summary>The step eps [B] for each image's noise level sigma [B] (on the [0, 1] scale).</summary>
    public static Tensor Steps(Tensor sigmas) => sigmas.clamp_min(MinimumStepLevel) * StepScale;

    /// <summary>
    /// The Monte-Carlo divergence per value [B, C, H, W] (float64): b * (D(N + eps b) - D(N)) / eps, where
    /// <paramref name="perturbed"/> is D(N + eps b) for the <paramref name="probe"/> b and the <paramref name="steps"/> eps [B].
    /// Its sum over an image estimates the image's divergence; its sum over a region, that region's share of it.
    /// </summary>
    public static Tensor DivergenceMap(Tensor denoised, Tensor probe, Tensor perturbed, Tensor steps) =>
        probe.to(float64) * (perturbed.to(float64) - denoised.to(float64)) / steps.to(float64).view(-1, 1, 1, 1);

    /// <summary>
    /// The two measured terms of SURE for each image of a batch [B, C, H, W] (float64): the residual energy r = ||D - N||^2 and
    /// the divergence, the sum of <paramref name="divergenceMap"/> (<see cref="DivergenceMap"/>).
    /// </summary>
    public static SureTerms Measure(Tensor noisy, Tensor denoised, Tensor divergenceMap, Tensor sigmas)
    {
        var dims = new long[] { 1, 2, 3 };
        var residual = (denoised.to(float64) - noisy.to(float64)).square().sum(dims);
        return new SureTerms(residual, divergenceMap.sum(dims), sigmas.to(float64).square(), noisy[0].numel());
    }

    /// <summary>
    /// SURE per pixel of the blend x = D + beta (N - D) [B, 1, H, W] (float64), averaged over the (2 radius + 1)^2 window around
    /// each pixel and summed over the channels: (1 - beta)^2 (D - N)^2 - sigma^2 + 2 sigma^2 ((1 - beta) div + beta), where div is
    /// the <see cref="DivergenceMap"/>. Its sum over an image is the image's SURE; over a window it rates the output there.
    /// </summary>
    public static Tensor LocalRisk(Tensor noisy, Tensor denoised, Tensor divergenceMap, Tensor beta, Tensor sigmas, int radius)
    {
        var keep = (1 - beta.to(float64)).view(-1, 1, 1, 1);
        var variance = sigmas.to(float64).square().view(-1, 1, 1, 1);
        var perValue = (keep.square() * (denoised.to(float64) - noisy.to(float64)).square()) - variance
            + (2 * variance * ((keep * divergenceMap) + (1 - keep)));
        return WindowMean(perValue.sum(1, keepdim: true), radius);
    }

    /// <summary>
    /// The mean over the (2 radius + 1)^2 window around each pixel of [B, C, H, W], the image mirrored at its edges (repeated
    /// when it is too small to mirror), computed from an integral image: the cost does not grow with the window.
    /// </summary>
    public static Tensor WindowMean(Tensor map, int radius)
    {
        if (radius == 0) return map;
        long h = map.shape[2], w = map.shape[3];
        int k = (2 * radius) + 1;
        var mode = h > radius && w > radius ? PaddingModes.Reflect : PaddingModes.Replicate;
        var padded = nn.functional.pad(map.to(float64), new long[] { radius, radius, radius, radius }, mode);
        var s = nn.functional.pad(padded.cumsum(2).cumsum(3), new long[] { 1, 0, 1, 0 }); // s[i, j]: the sum of padded[< i, < j]
        var sum = s.narrow(2, k, h).narrow(3, k, w) - s.narrow(2, 0, h).narrow(3, k, w)
            - s.narrow(2, k, h).narrow(3, 0, w) + s.narrow(2, 0, h).narrow(3, 0, w);
        return sum / (k * k);
    }
}

/// <summary>SURE's terms per image: residual energy, divergence, noise variance and values per image.</summary>
internal sealed record SureTerms(Tensor Residual, Tensor Divergence, Tensor Variance, long Values)
{
    /// <summary>The weight beta [B] of the residual N - D that minimises SURE (not clamped).</summary>
    public Tensor OptimalWeight() => 1 - (Variance * (Values - Divergence) / Residual.clamp_min(1e-30));

    /// <summary>SURE [B] of the blend with weights <paramref name="beta"/> [B]: the estimate of each image's sum of squared errors.</summary>
    public Tensor Risk(Tensor beta)
    {
        var keep = 1 - beta.to(float64);
        return (keep.square() * Residual) - (Values * Variance) + (2 * Variance * ((keep * Divergence) + ((1 - keep) * Values)));
    }
}
