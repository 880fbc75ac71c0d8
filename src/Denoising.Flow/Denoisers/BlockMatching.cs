using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Denoisers;

/// <summary>
/// Block matching, the grouping step of BM3D: for each reference patch on a grid (every <see cref="Stride"/> pixels, plus the
/// last row and column), the patches of an image most similar to it in squared distance within a search window. Used by the
/// collaborative filters (<see cref="CollaborativeFilter"/>); knows nothing of what the groups are for.
/// </summary>
internal static class BlockMatching
{
    /// <summary>Side of a patch.</summary>
    public const int PatchSize = 8;

    /// <summary>The search window around a reference patch reaches this many pixels each way (a 39 x 39 window).</summary>
    public const int SearchRadius = 19;

    /// <summary>Reference patches lie every this many pixels (plus the last row and column).</summary>
    public const int Stride = 3;

    /// <summary>
    /// The group size for <paramref name="hp"/> x <paramref name="wp"/> patch positions: <paramref name="groupSize"/> (a power of
    /// two), or the largest power of two a search window at a corner holds where it holds fewer positions, so that every group
    /// consists of distinct patches inside the image and the Haar transform along it applies.
    /// </summary>
    internal static int GroupSizeFor(long hp, long wp, int groupSize)
    {
        long positions = Math.Min(groupSize, Math.Min(hp, SearchRadius + 1) * Math.Min(wp, SearchRadius + 1));
        return (int)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)positions + 1) / 2;
    }

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
        var (rows, columns) = Match(Prepared.Of(image), referenceRows, referenceColumns, groupSize);
        return (rows.MoveToOuterDisposeScope(), columns.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// What matching needs of the whole image, computed once per image (bands only index into it): the image padded by the
    /// search radius, each patch's energy ||b||^2 and where a patch lies wholly inside the image (top-left corners, padded
    /// coordinates).
    /// </summary>
    internal sealed record Prepared(Tensor Padded, Tensor Energy, Tensor Inside)
    {
        public static Prepared Of(Tensor image)
        {
            const int p = PatchSize, s = SearchRadius;
            long h = image.shape[0], w = image.shape[1];
            var padded = nn.functional.pad(image.view(1, 1, h, w), new long[] { s, s, s, s }).view(h + (2 * s), w + (2 * s));
            var energy = nn.functional.avg_pool2d(padded.square().view(1, 1, h + (2 * s), w + (2 * s)), p, 1).view(h + (2 * s) - p + 1, w + (2 * s) - p + 1) * (p * p);
            var inside = zeros_like(energy, dtype: ScalarType.Bool);
            inside.narrow(0, s, h - p + 1).narrow(1, s, w - p + 1).fill_(true);
            return new Prepared(padded, energy, inside);
        }
    }

    /// <summary><see cref="Match(Tensor, long[], long[], int)"/> on an image prepared once for all its bands.</summary>
    internal static (Tensor Rows, Tensor Columns) Match(Prepared image, long[] referenceRows, long[] referenceColumns, int groupSize)
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
        // The fill value is a Scalar held to the end of the scope: one converted implicitly is left to the garbage collector, which
        // may free it while the native call still reads it (a crash "Expected false to be true" in Scalar::toFloat, seen once in
        // a 12-image evaluation).
        using var outside = float.PositiveInfinity.ToScalar();
        var distances = (ownEnergy + energies - (2 * products)).masked_fill(valid.logical_not(), outside).reshape(count, -1);
        distances[.., (s * side) + s] = -1f;                                         // the reference itself, always first
        var nearest = distances.topk(groupSize, dim: 1, largest: false, sorted: true).indexes.t(); // [K, R], offset (dy + s) * side + (dx + s)
        var dyOf = nearest.div(side, rounding_mode: RoundingMode.floor) - s;
        var dxOf = nearest.remainder(side) - s;
        return ((rows.unsqueeze(0) + dyOf).MoveToOuterDisposeScope(), (columns.unsqueeze(0) + dxOf).MoveToOuterDisposeScope());
    }
}
