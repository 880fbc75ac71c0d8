using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Denoisers;

/// <summary>
/// Collaborative Wiener filtering with a pilot estimate: the second stage of BM3D (Dabov, Foi, Katkovnik and Egiazarian 2007),
/// with a denoiser's output as the pilot in place of BM3D's first stage. For a grid of reference patches, the
/// <see cref="GroupSize"/> patches most similar to each one in the pilot (within <see cref="SearchRadius"/>) are stacked into a
/// group; the noisy group and the pilot group go through the same separable transform (2-D DCT of each patch, DCT along the
/// group); each noisy coefficient is shrunk by the empirical Wiener gain P^2 / (P^2 + sigma^2) of its pilot coefficient P; and
/// the groups' estimates are put back and averaged, each weighted by 1 / (sigma^2 * sum of its squared gains). The pilot decides
/// only how much of each coefficient to keep; the values come from the noisy image, so detail the pilot smoothed away comes
/// back where the pilot still shows some of its energy. Several channels (an image in an opponent colour space, luminance
/// first) share the groups found in the first one, as in CBM3D. Parameters: the normal profile of the BM3D paper (patch 8,
/// groups of 32, search window 39, references every 3 pixels). Needs the noise level; knows nothing of networks or training.
/// </summary>
internal static class CollaborativeWiener
{
    /// <summary>Side of a patch.</summary>
    public const int PatchSize = 8;

    /// <summary>Patches per group.</summary>
    public const int GroupSize = 32;

    /// <summary>The search window around a reference patch reaches this many pixels each way (a 39 x 39 window).</summary>
    public const int SearchRadius = 19;

    /// <summary>Reference patches lie every this many pixels (plus the last row and column).</summary>
    public const int Stride = 3;

    /// <summary>Lowest noise level used for the gains and weights, on the [0, 1] scale (a clean image keeps its values).</summary>
    public const double MinimumLevel = 1e-4;

    /// <summary>References filtered at once: bounds the memory of a band (its groups' patches, 8 MB per channel and copy) whatever the image size.</summary>
    private const long ReferencesPerBand = 1024;

    /// <summary>
    /// Filters each image of <paramref name="noisy"/> [B, C, H, W] with <paramref name="pilot"/> [B, C, H, W] as the pilot and
    /// <paramref name="levels"/> [B, C] as the noise level of each channel ([0, 1] scale). Returns [B, C, H, W] in the input's
    /// dtype. An image smaller than a patch is returned as its pilot.
    /// </summary>
    public static Tensor Filter(Tensor noisy, Tensor pilot, Tensor levels) => Filter(noisy, pilot, levels, ReferencesPerBand);

    /// <summary><see cref="Filter(Tensor, Tensor, Tensor)"/> with <paramref name="referencesPerBand"/> references filtered at once (tests).</summary>
    internal static Tensor Filter(Tensor noisy, Tensor pilot, Tensor levels, long referencesPerBand)
    {
        if (noisy.dim() != 4 || !noisy.shape.SequenceEqual(pilot.shape))
            throw new ArgumentException($"Expected noisy and pilot batches of one shape [B, C, H, W], got {Internal.Shapes.Of(noisy)} and {Internal.Shapes.Of(pilot)}.");
        if (levels.dim() != 2 || levels.shape[0] != noisy.shape[0] || levels.shape[1] != noisy.shape[1])
            throw new ArgumentException($"Expected one noise level per image and channel [{noisy.shape[0]}, {noisy.shape[1]}], got {Internal.Shapes.Of(levels)}.");
        using var scope = NewDisposeScope();
        var images = new Tensor[noisy.shape[0]];
        for (int b = 0; b < images.Length; b++)
            images[b] = FilterImage(noisy[b].to(float32), pilot[b].to(float32), levels[b].to(float32).clamp_min(MinimumLevel), referencesPerBand);
        return stack(images).to(noisy.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>One image [C, H, W] with its pilot and per-channel levels [C].</summary>
    private static Tensor FilterImage(Tensor noisy, Tensor pilot, Tensor levels, long referencesPerBand)
    {
        using var scope = NewDisposeScope(); // the image's buffers go when it is done, not when the whole batch is
        long channels = noisy.shape[0], h = noisy.shape[1], w = noisy.shape[2];
        const int p = PatchSize;
        if (h < p || w < p) return pilot.clone().MoveToOuterDisposeScope();
        long hp = h - p + 1, wp = w - p + 1; // patch positions (top-left corners)
        int groupSize = GroupSizeFor(hp, wp);
        var patch2d = Dct2d(p).to(noisy.device);
        var alongGroup = DctMatrix(groupSize).to(noisy.device);
        var variance = levels.square().view(channels, 1, 1, 1);

        // Sums over many overlapping patches: kept in float64, so the result does not depend on the order they come in.
        var numerator = zeros(channels, h * w, dtype: float64, device: noisy.device);
        var denominator = zeros(channels, h * w, dtype: float64, device: noisy.device);
        var rows = ReferenceCoordinates(hp);
        var columns = ReferenceCoordinates(wp);
        long rowsPerBand = Math.Max(1, referencesPerBand / columns.Length);
        var matching = MatchingImage.Of(pilot[0]);
        for (long first = 0; first < rows.Length; first += rowsPerBand)
        {
            using var band = NewDisposeScope();
            var bandRows = rows[(int)first..(int)Math.Min(rows.Length, first + rowsPerBand)];
            var (groupRows, groupColumns) = Match(matching, bandRows, columns, groupSize); // [K, R] patch corners
            long references = groupRows.shape[1];

            // The patches of every group, noisy and pilot, [C, K, R, p*p]; the 2-D DCT of each patch, then the DCT along each group
            // (one matrix product each way over all groups).
            var noisyCoefficients = Transform(Gather(noisy, groupRows, groupColumns), patch2d, alongGroup);
            var pilotPower = Transform(Gather(pilot, groupRows, groupColumns), patch2d, alongGroup).square();
            var gain = pilotPower / (pilotPower + variance);
            var weight = (variance.view(channels, 1) * gain.square().sum(new long[] { 1, 3 })).reciprocal();    // [C, R]
            var estimate = alongGroup.t().matmul((gain * noisyCoefficients).view(channels, groupSize, -1))
                .view(channels, groupSize, references, p * p).matmul(patch2d);               // back to pixels, [C, K, R, p*p]

            // Each patch of each group back in place, weighted by its group's weight: one pixel of every patch at a time.
            var weighted = (estimate * weight.view(channels, 1, references, 1)).permute(0, 3, 1, 2); // [C, p*p, K, R]
            var groupWeight = weight.view(channels, 1, 1, references).expand(weighted.shape);
            var index = (PatchOffsets(p, w, noisy.device).view(-1, 1) + ((groupRows * w) + groupColumns).reshape(1, -1)).view(-1); // like the values
            numerator.index_add_(1, index, weighted.reshape(channels, -1).to(float64), 1);
            denominator.index_add_(1, index, groupWeight.reshape(channels, -1).to(float64), 1);
        }
        var filtered = (numerator / denominator.clamp_min(1e-300)).to(float32);
        // Every pixel is covered (the references reach the last row and column); the pilot stands in should one not be.
        return where(denominator > 0, filtered, pilot.reshape(channels, -1)).reshape(channels, h, w).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The group size for <paramref name="hp"/> x <paramref name="wp"/> patch positions: <see cref="GroupSize"/>, or fewer where
    /// a search window at a corner holds fewer positions, so that every group consists of patches inside the image.
    /// </summary>
    internal static int GroupSizeFor(long hp, long wp) =>
        (int)Math.Min(GroupSize, Math.Min(hp, SearchRadius + 1) * Math.Min(wp, SearchRadius + 1));

    /// <summary>0, Stride, 2 Stride, ... and the last position, in ascending order.</summary>
    internal static long[] ReferenceCoordinates(long positions)
    {
        var list = new List<long>();
        for (long i = 0; i < positions; i += Stride) list.Add(i);
        if (list[^1] != positions - 1) list.Add(positions - 1);
        return list.ToArray();
    }

    /// <summary>
    /// For each reference patch (every row of <paramref name="referenceRows"/> with every column of <paramref name="referenceColumns"/>,
    /// row-major), the corners [K, R] of the <paramref name="groupSize"/> patches of <paramref name="image"/> [H, W] closest to it
    /// in squared distance within the search window, the reference itself first.
    /// </summary>
    /// <remarks>
    /// ||a - b||^2 = ||a||^2 + ||b||^2 - 2 a.b for every candidate b in the window of every reference a at once: the products a.b
    /// are one grouped convolution (each reference patch the kernel over its own window), the energies ||b||^2 one pooling of
    /// the squared image. Candidates reaching outside the image are never chosen.
    /// </remarks>
    internal static (Tensor Rows, Tensor Columns) Match(Tensor image, long[] referenceRows, long[] referenceColumns, int groupSize)
    {
        using var scope = NewDisposeScope();
        var (rows, columns) = Match(MatchingImage.Of(image), referenceRows, referenceColumns, groupSize);
        return (rows.MoveToOuterDisposeScope(), columns.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// What matching needs of the whole image, computed once per image (bands only index into it): the image padded by the
    /// search radius, each patch's energy ||b||^2 and where a patch lies wholly inside the image (top-left corners, padded
    /// coordinates).
    /// </summary>
    private sealed record MatchingImage(Tensor Padded, Tensor Energy, Tensor Inside)
    {
        public static MatchingImage Of(Tensor image)
        {
            const int p = PatchSize, s = SearchRadius;
            long h = image.shape[0], w = image.shape[1];
            var padded = nn.functional.pad(image.view(1, 1, h, w), new long[] { s, s, s, s }).view(h + (2 * s), w + (2 * s));
            var energy = nn.functional.avg_pool2d(padded.square().view(1, 1, h + (2 * s), w + (2 * s)), p, 1).view(h + (2 * s) - p + 1, w + (2 * s) - p + 1) * (p * p);
            var inside = zeros_like(energy, dtype: ScalarType.Bool);
            inside.narrow(0, s, h - p + 1).narrow(1, s, w - p + 1).fill_(true);
            return new MatchingImage(padded, energy, inside);
        }
    }

    private static (Tensor Rows, Tensor Columns) Match(MatchingImage image, long[] referenceRows, long[] referenceColumns, int groupSize)
    {
        using var scope = NewDisposeScope();
        const int p = PatchSize, s = SearchRadius;
        int side = (2 * s) + 1, span = side + p - 1;                               // offsets per axis; pixels a window spans
        var (padded, energy, inside) = image;
        var device = padded.device;
        var rows = tensor(referenceRows, device: device).view(-1, 1).expand(-1, referenceColumns.Length).reshape(-1);   // [R]
        var columns = tensor(referenceColumns, device: device).view(1, -1).expand(referenceRows.Length, -1).reshape(-1);
        long count = rows.shape[0];
        // Each reference's window: the pixels of every candidate, [R, span, span] (padded coordinates start at the offset -s).
        TensorIndex[] at = { TensorIndex.Tensor(rows), TensorIndex.Tensor(columns) };     // gathers from the views, no copy of them
        var neighbourhoods = padded.unfold(0, span, 1).unfold(1, span, 1).index(at);  // [R, span, span]
        var referencePatches = neighbourhoods.narrow(1, s, p).narrow(2, s, p);        // the reference sits at offset (0, 0)
        var products = nn.functional.conv2d(neighbourhoods.unsqueeze(0), referencePatches.unsqueeze(1), groups: count).squeeze(0); // [R, side, side]
        var energies = energy.unfold(0, side, 1).unfold(1, side, 1).index(at);     // [R, side, side]
        var valid = inside.unfold(0, side, 1).unfold(1, side, 1).index(at);
        var ownEnergy = energies[.., s, s].view(-1, 1, 1);
        var distances = (ownEnergy + energies - (2 * products)).masked_fill(valid.logical_not(), float.PositiveInfinity).reshape(count, -1);
        distances[.., (s * side) + s] = -1f;                                         // the reference itself, always first
        var nearest = distances.topk(groupSize, dim: 1, largest: false, sorted: true).indexes.t(); // [K, R], offset (dy + s) * side + (dx + s)
        var dyOf = nearest.div(side, rounding_mode: RoundingMode.floor) - s;
        var dxOf = nearest.remainder(side) - s;
        return ((rows.unsqueeze(0) + dyOf).MoveToOuterDisposeScope(), (columns.unsqueeze(0) + dxOf).MoveToOuterDisposeScope());
    }

    /// <summary>The patches of <paramref name="image"/> [C, H, W] at the corners [K, R]: [C, K, R, p*p].</summary>
    private static Tensor Gather(Tensor image, Tensor rows, Tensor columns)
    {
        using var scope = NewDisposeScope();
        const int p = PatchSize;
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

    /// <summary>The 2-D DCT of a row-major flattened n x n patch, as a (n*n) x (n*n) matrix.</summary>
    private static Tensor Dct2d(int n)
    {
        using var scope = NewDisposeScope();
        var d = DctMatrix(n);
        return (d.unsqueeze(1).unsqueeze(3) * d.unsqueeze(0).unsqueeze(2)).reshape(n * n, n * n).MoveToOuterDisposeScope();
    }
}
