using static TorchSharp.torch;

namespace Denoising.Flow.Denoisers;

/// <summary>
/// Collaborative Wiener filtering with a pilot estimate: the second stage of BM3D (<see cref="CollaborativeFilter"/>). For each
/// reference patch, the <see cref="GroupSize"/> patches most similar to it in the pilot are grouped; each coefficient of the
/// noisy group is shrunk by the empirical Wiener gain P^2 / (P^2 + sigma^2) of its pilot coefficient P; each group is weighted
/// by 1 / (sigma^2 * sum of its squared gains). The pilot decides only how much of each coefficient to keep; the values come
/// from the noisy image, so detail the pilot smoothed away comes back where the pilot still shows some of its energy.
/// Parameters: the normal profile of the BM3D paper (patch 8, groups of 32, search window 39, references every 3 pixels).
/// </summary>
internal static class CollaborativeWiener
{
    /// <summary>Patches per group.</summary>
    public const int GroupSize = 32;

    /// <summary>The stage: groups of <see cref="GroupSize"/>, Wiener gains from the pilots' mean power.</summary>
    internal static CollaborativeFilter.Stage Stage { get; } = new(GroupSize, Shrink);

    /// <summary>
    /// Filters each image of <paramref name="noisy"/> [B, C, H, W] with <paramref name="pilot"/> [B, C, H, W] as the pilot and
    /// <paramref name="levels"/> [B, C] as the noise level of each channel ([0, 1] scale). Returns [B, C, H, W] in the input's
    /// dtype. An image smaller than a patch is returned as its pilot.
    /// </summary>
    public static Tensor Filter(Tensor noisy, Tensor pilot, Tensor levels) => CollaborativeFilter.Filter(Stage, noisy, new[] { pilot }, pilot, levels);

    /// <summary><see cref="Filter(Tensor, Tensor, Tensor)"/> with <paramref name="referencesPerBand"/> references filtered at once (tests).</summary>
    internal static Tensor Filter(Tensor noisy, Tensor pilot, Tensor levels, long referencesPerBand) =>
        CollaborativeFilter.Filter(Stage, noisy, new[] { pilot }, pilot, levels, referencesPerBand);

    /// <summary>
    /// Filters with several pilots: groups found in <paramref name="matchOn"/> (usually one of them), and each coefficient's gain
    /// taken from the mean of the pilots' powers, (P1^2 + P2^2) / 2 for two, so that a coefficient either pilot shows as signal is
    /// kept in part.
    /// </summary>
    public static Tensor Filter(Tensor noisy, IReadOnlyList<Tensor> pilots, Tensor matchOn, Tensor levels) =>
        pilots.Count > 0
            ? CollaborativeFilter.Filter(Stage, noisy, pilots, matchOn, levels)
            : throw new ArgumentException("The Wiener stage needs at least one pilot.", nameof(pilots));

    private static (Tensor Gains, Tensor Weights) Shrink(Tensor noisy, IReadOnlyList<Tensor> pilots, Tensor variance)
    {
        var power = pilots.Count == 1 ? pilots[0].square() : pilots.Select(p => p.square()).Aggregate((a, b) => a + b) / pilots.Count;
        var gains = power / (power + variance);
        return (gains, (variance.view(-1, 1) * gains.square().sum(new long[] { 1, 3 })).reciprocal());
    }
}
