using static TorchSharp.torch;

namespace Denoising.Flow.Denoisers;

/// <summary>
/// Collaborative filtering (Dabov, Foi, Katkovnik and Egiazarian 2007), the machinery both stages of BM3D share: similar patches
/// are grouped (<see cref="BlockMatching"/>), each group goes through a separable 3-D transform (2-D DCT of each patch, Haar
/// along the group, as in the BM3D paper; groups have a power-of-two size), every coefficient of the noisy group is multiplied
/// by a gain a <see cref="Shrinkage"/> decides, and the groups' estimates are put back in place and averaged, each weighted as
/// the shrinkage says. Several channels (an image in an opponent
/// colour space, luminance first) share the groups found in the first one, as in CBM3D. The sums over overlapping patches are
/// kept in float64, so the result does not depend on the order the groups come in. Knows nothing of networks or training.
/// </summary>
internal static class CollaborativeFilter
{
    /// <summary>Lowest noise level used for the gains and weights, on the [0, 1] scale (a clean image keeps its values).</summary>
    public const double MinimumLevel = 1e-4;

    /// <summary>References filtered at once: bounds the memory of a band (its groups' patches, 8 MB per channel and copy) whatever the image size.</summary>
    internal const long ReferencesPerBand = 1024;

    /// <summary>
    /// The gains [C, K, R, p*p] by which the noisy groups' coefficients <paramref name="noisy"/> [C, K, R, p*p] are multiplied,
    /// and each group's aggregation weight [C, R], given the pilot groups' coefficients <paramref name="pilots"/> (one tensor
    /// like <paramref name="noisy"/> per pilot; none for a stage without) and each channel's noise variance
    /// <paramref name="variance"/> [C, 1, 1, 1].
    /// </summary>
    internal delegate (Tensor Gains, Tensor Weights) Shrinkage(Tensor noisy, IReadOnlyList<Tensor> pilots, Tensor variance);

    /// <summary>How one filter groups and shrinks.</summary>
    /// <param name="GroupSize">Patches per group.</param>
    /// <param name="Shrink">The gains and weights of each band of groups.</param>
    internal sealed record Stage(int GroupSize, Shrinkage Shrink);

    /// <summary>
    /// Filters each image of <paramref name="noisy"/> [B, C, H, W] with the <paramref name="pilots"/> [B, C, H, W] the stage
    /// uses (none, one or more), grouping on the first channel of <paramref name="matchOn"/> [B, C, H, W] (null: the noisy
    /// image), at the noise levels <paramref name="levels"/> [B, C] ([0, 1] scale). Returns [B, C, H, W] in the input's dtype.
    /// An image smaller than a patch comes back as its first pilot (or as it is, without one).
    /// </summary>
    internal static Tensor Filter(Stage stage, Tensor noisy, IReadOnlyList<Tensor> pilots, Tensor? matchOn, Tensor levels, long referencesPerBand = ReferencesPerBand)
    {
        var others = pilots.Append(matchOn).OfType<Tensor>();
        if (noisy.dim() != 4 || others.Any(t => !noisy.shape.SequenceEqual(t.shape)))
            throw new ArgumentException($"Expected noisy, pilot and matching images of one shape [B, C, H, W], got {string.Join(", ", new[] { noisy }.Concat(others).Select(Internal.Shapes.Of))}.");
        if (levels.dim() != 2 || levels.shape[0] != noisy.shape[0] || levels.shape[1] != noisy.shape[1])
            throw new ArgumentException($"Expected one noise level per image and channel [{noisy.shape[0]}, {noisy.shape[1]}], got {Internal.Shapes.Of(levels)}.");
        using var scope = NewDisposeScope();
        var filtered = new Tensor[noisy.shape[0]];
        for (int b = 0; b < filtered.Length; b++)
        {
            var imagePilots = pilots.Select(p => p[b].to(float32)).ToArray();
            filtered[b] = FilterImage(stage, noisy[b].to(float32), imagePilots, (matchOn ?? noisy)[b][0].to(float32), levels[b].to(float32).clamp_min(MinimumLevel), referencesPerBand);
        }
        return stack(filtered).to(noisy.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>One image [C, H, W] with its pilots, the plane [H, W] it is grouped on and per-channel levels [C].</summary>
    private static Tensor FilterImage(Stage stage, Tensor noisy, Tensor[] pilots, Tensor matchOn, Tensor levels, long referencesPerBand)
    {
        using var scope = NewDisposeScope(); // the image's buffers go when it is done, not when the whole batch is
        long channels = noisy.shape[0], h = noisy.shape[1], w = noisy.shape[2];
        const int p = BlockMatching.PatchSize;
        if (h < p || w < p)
            return (pilots.FirstOrDefault() ?? noisy).clone().MoveToOuterDisposeScope();
        long hp = h - p + 1, wp = w - p + 1; // patch positions (top-left corners)
        int groupSize = BlockMatching.GroupSizeFor(hp, wp, stage.GroupSize);
        var patch2d = Dct2d(p).to(noisy.device);
        var alongGroup = HaarMatrix(groupSize).to(noisy.device);
        var variance = levels.square().view(channels, 1, 1, 1);

        var numerator = zeros(channels, h * w, dtype: float64, device: noisy.device);
        var denominator = zeros(channels, h * w, dtype: float64, device: noisy.device);
        var rows = BlockMatching.ReferenceCoordinates(hp);
        var columns = BlockMatching.ReferenceCoordinates(wp);
        long rowsPerBand = Math.Max(1, referencesPerBand / columns.Length);
        var matching = BlockMatching.Prepared.Of(matchOn);
        for (long first = 0; first < rows.Length; first += rowsPerBand)
        {
            using var band = NewDisposeScope();
            var bandRows = rows[(int)first..(int)Math.Min(rows.Length, first + rowsPerBand)];
            var (groupRows, groupColumns) = BlockMatching.Match(matching, bandRows, columns, groupSize); // [K, R] patch corners
            long references = groupRows.shape[1];

            // The patches of every group [C, K, R, p*p] through the 2-D DCT of each patch, then the Haar transform along each group (one
            // matrix product each way over all groups); the gains and weights; back to pixels.
            var noisyCoefficients = Transform(Gather(noisy, groupRows, groupColumns), patch2d, alongGroup);
            var pilotCoefficients = pilots.Select(pilot => Transform(Gather(pilot, groupRows, groupColumns), patch2d, alongGroup)).ToArray();
            var (gains, weights) = stage.Shrink(noisyCoefficients, pilotCoefficients, variance);
            Tensor Back(Tensor coefficients) => alongGroup.t().matmul(coefficients.view(channels, groupSize, -1))
                .view(channels, groupSize, references, p * p).matmul(patch2d);                            // [C, K, R, p*p]

            // Each patch of each group back in place, weighted by its group's weight: one pixel of every patch at a time.
            var index = (PatchOffsets(p, w, noisy.device).view(-1, 1) + ((groupRows * w) + groupColumns).reshape(1, -1)).view(-1);
            var groupWeights = weights.view(channels, 1, references, 1);
            void Add(Tensor sums, Tensor estimate) =>
                sums.index_add_(1, index, (estimate * groupWeights).permute(0, 3, 1, 2).reshape(channels, -1).to(float64), 1); // [C, p*p, K, R]
            Add(numerator, Back(gains * noisyCoefficients));
            denominator.index_add_(1, index, groupWeights.permute(0, 3, 1, 2).expand(channels, p * p, groupSize, references).reshape(channels, -1).to(float64), 1);
        }
        // Every pixel is covered (the references reach the last row and column); the pilot stands in should one not be.
        var filtered = (numerator / denominator.clamp_min(1e-300)).to(float32);
        var fallback = (pilots.FirstOrDefault() ?? noisy).reshape(channels, -1);
        return where(denominator > 0, filtered, fallback).reshape(channels, h, w).MoveToOuterDisposeScope();
    }

    /// <summary>The patches of <paramref name="image"/> [C, H, W] at the corners [K, R]: [C, K, R, p*p].</summary>
    private static Tensor Gather(Tensor image, Tensor rows, Tensor columns)
    {
        using var scope = NewDisposeScope();
        const int p = BlockMatching.PatchSize;
        long channels = image.shape[0], w = image.shape[2];
        var index = ((rows * w) + columns).unsqueeze(-1) + PatchOffsets(p, w, image.device).view(1, 1, -1);  // [K, R, p*p]
        return image.reshape(channels, -1).index_select(1, index.reshape(-1)).view(channels, index.shape[0], index.shape[1], p * p).MoveToOuterDisposeScope();
    }

    /// <summary>The separable 3-D transform of groups [C, K, R, p*p]: <paramref name="patch2d"/> on each patch, <paramref name="alongGroup"/> along K.</summary>
    private static Tensor Transform(Tensor groups, Tensor patch2d, Tensor alongGroup)
    {
        using var scope = NewDisposeScope();
        long channels = groups.shape[0], k = groups.shape[1];
        var patches = groups.matmul(patch2d.t());
        return alongGroup.matmul(patches.view(channels, k, -1)).view(groups.shape).MoveToOuterDisposeScope();
    }

    /// <summary>The offsets [p*p] of a p x p patch's pixels from its corner in a row-major image of width <paramref name="w"/>.</summary>
    private static Tensor PatchOffsets(int p, long w, Device device) =>
        ((arange(p, device: device).view(p, 1) * w) + arange(p, device: device).view(1, p)).view(-1);

    /// <summary>The orthonormal DCT-II matrix of size n (rows: frequencies).</summary>
    private static Tensor DctMatrix(int n)
    {
        var m = new float[n * n];
        for (int k = 0; k < n; k++)
            for (int i = 0; i < n; i++)
                m[(k * n) + i] = (float)(Math.Sqrt((k == 0 ? 1.0 : 2.0) / n) * Math.Cos(Math.PI * ((2 * i) + 1) * k / (2.0 * n)));
        return tensor(m).view(n, n);
    }

    /// <summary>
    /// The orthonormal Haar matrix of size n, a power of two (rows: the mean first, then the differences of halves, coarse to
    /// fine). H(1) = [1]; H(2n) = [H(n) kron (1, 1); I(n) kron (1, -1)], rows normalised.
    /// </summary>
    internal static Tensor HaarMatrix(int n)
    {
        if (n < 1 || (n & (n - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(n), n, "The Haar transform needs a power of two.");
        var m = new double[1, 1] { { 1 } };
        for (int size = 1; size < n; size *= 2)
        {
            var next = new double[2 * size, 2 * size];
            for (int r = 0; r < size; r++)
                for (int c = 0; c < size; c++)
                {
                    next[r, 2 * c] = m[r, c];
                    next[r, (2 * c) + 1] = m[r, c];
                }
            for (int r = 0; r < size; r++)
            {
                next[size + r, 2 * r] = 1;
                next[size + r, (2 * r) + 1] = -1;
            }
            m = next;
        }
        var values = new float[n * n];
        for (int r = 0; r < n; r++)
        {
            double norm = 0;
            for (int c = 0; c < n; c++) norm += m[r, c] * m[r, c];
            for (int c = 0; c < n; c++) values[(r * n) + c] = (float)(m[r, c] / Math.Sqrt(norm));
        }
        return tensor(values).view(n, n);
    }

    /// <summary>The 2-D DCT of a row-major flattened n x n patch, as a (n*n) x (n*n) matrix.</summary>
    private static Tensor Dct2d(int n)
    {
        using var scope = NewDisposeScope();
        var d = DctMatrix(n);
        return (d.unsqueeze(1).unsqueeze(3) * d.unsqueeze(0).unsqueeze(2)).reshape(n * n, n * n).MoveToOuterDisposeScope();
    }
}
