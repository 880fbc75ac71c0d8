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

    /// <summary>References filtered at once: bounds the distance table (offsets x references, 25 MB) and the groups' patches.</summary>
    private const long ReferencesPerBand = 4096;

    /// <summary>
    /// Filters each image of <paramref name="noisy"/> [B, C, H, W] with <paramref name="pilot"/> [B, C, H, W] as the pilot and
    /// <paramref name="levels"/> [B, C] as the noise level of each channel ([0, 1] scale). Returns [B, C, H, W] in the input's
    /// dtype. An image smaller than a patch is returned as its pilot.
    /// </summary>
    public static Tensor Filter(Tensor noisy, Tensor pilot, Tensor levels)
    {
        if (noisy.dim() != 4 || !noisy.shape.SequenceEqual(pilot.shape))
            throw new ArgumentException($"Expected noisy and pilot batches of one shape [B, C, H, W], got {Internal.Shapes.Of(noisy)} and {Internal.Shapes.Of(pilot)}.");
        if (levels.dim() != 2 || levels.shape[0] != noisy.shape[0] || levels.shape[1] != noisy.shape[1])
            throw new ArgumentException($"Expected one noise level per image and channel [{noisy.shape[0]}, {noisy.shape[1]}], got {Internal.Shapes.Of(levels)}.");
        using var scope = NewDisposeScope();
        var images = new Tensor[noisy.shape[0]];
        for (int b = 0; b < images.Length; b++)
            images[b] = FilterImage(noisy[b].to(float32), pilot[b].to(float32), levels[b].to(float32).clamp_min(MinimumLevel));
        return stack(images).to(noisy.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>One image [C, H, W] with its pilot and per-channel levels [C].</summary>
    private static Tensor FilterImage(Tensor noisy, Tensor pilot, Tensor levels)
    {
        long channels = noisy.shape[0], h = noisy.shape[1], w = noisy.shape[2];
        const int p = PatchSize;
        if (h < p || w < p) return pilot.clone();
        long hp = h - p + 1, wp = w - p + 1; // patch positions (top-left corners)
        int groupSize = GroupSizeFor(hp, wp);
        var patch2d = Dct2d(p).to(noisy.device);
        var alongGroup = DctMatrix(groupSize).to(noisy.device);
        var variance = levels.square().view(1, channels, 1, 1);

        var numerator = zeros(channels, h * w, device: noisy.device);
        var denominator = zeros(channels, h * w, device: noisy.device);
        var rows = ReferenceCoordinates(hp);
        var columns = ReferenceCoordinates(wp);
        long rowsPerBand = Math.Max(1, ReferencesPerBand / columns.Length);
        for (long first = 0; first < rows.Length; first += rowsPerBand)
        {
            using var band = NewDisposeScope();
            var bandRows = rows[(int)first..(int)Math.Min(rows.Length, first + rowsPerBand)];
            var (groupRows, groupColumns) = Match(pilot[0], bandRows, columns, groupSize); // [K, R] patch corners

            // The patches of every group, noisy and pilot: [R, C, K, p*p], the 2-D DCT of each patch, then the DCT along each group.
            var noisyGroups = Gather(noisy, groupRows, groupColumns);
            var pilotGroups = Gather(pilot, groupRows, groupColumns);
            var noisyCoefficients = alongGroup.matmul(noisyGroups.matmul(patch2d.t()));
            var pilotPower = alongGroup.matmul(pilotGroups.matmul(patch2d.t())).square();
            var gain = pilotPower / (pilotPower + variance);
            var estimate = alongGroup.t().matmul(gain * noisyCoefficients).matmul(patch2d); // back to pixels, [R, C, K, p*p]
            var weight = (variance.view(1, channels) * gain.square().sum(new long[] { 2, 3 })).reciprocal(); // [R, C]

            // Each patch of each group back in place, weighted by its group's weight.
            var corner = (groupRows * w) + groupColumns;                              // [K, R]
            var weighted = estimate * weight.view(weight.shape[0], channels, 1, 1);    // [R, C, K, p*p]
            var groupWeight = weight.t().unsqueeze(1).expand(channels, groupSize, -1).reshape(channels, -1); // [C, K*R]
            for (int dy = 0; dy < p; dy++)
                for (int dx = 0; dx < p; dx++)
                {
                    var index = (corner + ((dy * w) + dx)).reshape(-1);               // [K*R], K-major
                    var values = weighted.select(3, (dy * p) + dx).permute(1, 2, 0).reshape(channels, -1); // [C, K*R]
                    numerator.index_add_(1, index, values, 1);
                    denominator.index_add_(1, index, groupWeight, 1);
                }
        }
        var filtered = numerator / denominator.clamp_min(1e-30);
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
    internal static (Tensor Rows, Tensor Columns) Match(Tensor image, long[] referenceRows, long[] referenceColumns, int groupSize)
    {
        using var scope = NewDisposeScope();
        const int p = PatchSize, s = SearchRadius;
        long w = image.shape[1];
        long top = referenceRows[0], bottom = referenceRows[^1] + p; // image rows the references cover
        // Far outside the value range: a patch reaching into the padding is never closer than one inside the image.
        long h = image.shape[0];
        var padded = nn.functional.pad(image.view(1, 1, h, w), new long[] { s, s, s, s }, PaddingModes.Constant, 1e3).view(h + (2 * s), w + (2 * s));
        var references = image.narrow(0, top, bottom - top);                      // [hb, W]
        var rowIndex = tensor(referenceRows.Select(r => r - top).ToArray(), device: image.device);
        var columnIndex = tensor(referenceColumns, device: image.device);
        int side = (2 * s) + 1;
        var distances = new Tensor[side];
        for (int dy = -s; dy <= s; dy++)
        {
            // Every horizontal offset at once: the rows shifted by dy, and the 2s + 1 windows of width W along them.
            var shifted = padded.narrow(0, top + dy + s, bottom - top).unfold(1, w, 1).permute(1, 0, 2); // [2s+1, hb, W]
            var squared = (shifted - references.unsqueeze(0)).square().unsqueeze(1);
            var patchSums = nn.functional.avg_pool2d(squared, p, 1).squeeze(1);     // [2s+1, hb - p + 1, W - p + 1]
            distances[dy + s] = patchSums.index_select(1, rowIndex).index_select(2, columnIndex).reshape(side, -1); // [2s+1, R]
        }
        var table = cat(distances, 0);                                             // [(2s+1)^2, R], offset (dy + s) * side + (dx + s)
        table[(s * side) + s] = full(table.shape[1], -1f, device: image.device);   // the reference itself, always first
        var nearest = table.topk(groupSize, dim: 0, largest: false, sorted: true).indexes; // [K, R]
        var dyOf = nearest.div(side, rounding_mode: RoundingMode.floor) - s;
        var dxOf = nearest.remainder(side) - s;
        long count = referenceColumns.Length;
        var referenceRow = tensor(referenceRows, device: image.device).repeat_interleave(count).unsqueeze(0);  // [1, R]
        var referenceColumn = columnIndex.repeat(referenceRows.Length).unsqueeze(0);
        return ((referenceRow + dyOf).MoveToOuterDisposeScope(), (referenceColumn + dxOf).MoveToOuterDisposeScope());
    }

    /// <summary>The patches of <paramref name="image"/> [C, H, W] at the corners [K, R]: [R, C, K, p*p].</summary>
    private static Tensor Gather(Tensor image, Tensor rows, Tensor columns)
    {
        using var scope = NewDisposeScope();
        const int p = PatchSize;
        long channels = image.shape[0], w = image.shape[2];
        var offsets = (arange(p, device: image.device).view(p, 1) * w) + arange(p, device: image.device).view(1, p); // [p, p]
        var index = ((rows * w) + columns).unsqueeze(-1) + offsets.reshape(1, 1, -1);  // [K, R, p*p]
        var flat = image.reshape(channels, -1);
        var values = flat.index_select(1, index.reshape(-1)).view(channels, index.shape[0], index.shape[1], p * p); // [C, K, R, p*p]
        return values.permute(2, 0, 1, 3).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>The orthonormal DCT-II matrix of size n (rows: frequencies).</summary>
    internal static Tensor DctMatrix(int n)
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
