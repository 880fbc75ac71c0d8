using Microsoft.Extensions.Logging;

namespace Denoising.Flow;

/// <summary>Options of one <see cref="Denoiser.Denoise(TorchSharp.torch.Tensor, DenoiseOptions?)"/> call.</summary>
public sealed record DenoiseOptions
{
    /// <summary>
    /// The default <see cref="SureTuningScales"/>: 0.6, 0.8, 1, 1.25, 1.6, about a factor 1.25 apart. With the narrower 0.8-1.25,
    /// a quarter to a third of the pixels chose one of the two ends (measured on Set12 with the shipped gray model).
    /// </summary>
    /// <remarks>Declared before <see cref="Default"/>: static initialisers run in order, and Default's instance reads this.</remarks>
    public static IReadOnlyList<double> DefaultSureTuningScales { get; } = Array.AsReadOnly(new[] { 0.6, 0.8, 1.0, 1.25, 1.6 });

    /// <summary>The default options.</summary>
    public static DenoiseOptions Default { get; } = new();

    /// <summary>
    /// Side of the square core of each tile (default 256). Each tile is computed with the network's receptive radius of
    /// context on every side, and only its core is kept, so tiles meet without seams and the result equals whole-image
    /// inference up to float rounding. Memory is bounded by the tile, not the image.
    /// </summary>
    /// <remarks>
    /// Speed depends on the tile: for the shipped 10x32 network (receptive radius 22) inference is fastest at 212-256.
    /// A layer's activations of one padded tile take
    /// <c>Width x (TileSize + 2 x radius)^2 x 4</c> bytes; once that passes <see cref="SlowTileActivationBytes"/> (32 MiB:
    /// glibc's largest mmap threshold, and far beyond the caches), every layer's output is a fresh mapping faulted in
    /// anew, and inference gets about 2x slower: from a tile of about 468 for the 10x32 network (about 320 for width 64).
    /// Such tiles are not refused (an image smaller than the tile is one tile whatever the size), but a warning goes to
    /// <see cref="Logger"/> when a tile that large is actually used. Images of a batch (and the channels of a color image
    /// through a grayscale model) are run in groups small enough to stay under that size.
    /// See docs/performance.md.
    /// </remarks>
    public int TileSize { get; init; } = 256;

    /// <summary>
    /// The size of one layer's activations for one padded tile above which inference gets about 2x slower (32 MiB).
    /// </summary>
    public const long SlowTileActivationBytes = 32L * 1024 * 1024;

    /// <summary>Where warnings go (for example a <see cref="TileSize"/> that will be slow); none by default.
    /// <see cref="Denoiser.DenoiseFile"/> uses its own logger when this is null.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Average the outputs over the 8 flips and 90-degree rotations (8x the time, usually a little better).</summary>
    public bool SelfEnsemble { get; init; }

    /// <summary>
    /// Give back to each image the share of what the network removed that Stein's unbiased risk estimate (SURE) says lowers
    /// its squared error: the output is D + beta (N - D), with beta in [0, 1] chosen per image from the noisy image alone
    /// (Monte-Carlo divergence, one more pass of the network, so about 2x the time). A model whose objective over-smooths gets
    /// detail back; one that does not keeps beta near 0. Needs the noise level (<see cref="NoiseLevel"/>, or estimated).
    /// </summary>
    public bool SureBlend { get; init; }

    /// <summary>
    /// For a network that takes the noise level (<see cref="DenoiserNetworkOptions.NoiseLevelInput"/>): feed it each of
    /// <see cref="SureTuningScales"/> times the image's level and keep, per image, the output whose error Stein's unbiased risk
    /// estimate rates lowest (with <see cref="SureBlend"/>, each candidate blended first). Chooses how strongly to smooth from
    /// the noisy image alone, at two passes of the network per candidate (10x the time with the default scales). Ignored by
    /// networks that do not take the level.
    /// </summary>
    public bool SureTuning { get; init; }

    /// <summary>
    /// Where <see cref="SureTuning"/> chooses (default 8): each pixel takes the candidate whose SURE over the (2r + 1)^2 window
    /// around it is lowest, and the choices are averaged over the same window, so they change smoothly across the image
    /// (textured regions take a weaker smoothing than flat ones). 0 chooses one candidate per image. Costs no extra network pass;
    /// the candidates are kept in memory until the end.
    /// </summary>
    public int SureTuningRadius { get; init; } = 8;

    /// <summary>The multiples of the noise level <see cref="SureTuning"/> tries (default 0.6, 0.8, 1, 1.25, 1.6).</summary>
    public IReadOnlyList<double> SureTuningScales { get; init; } = DefaultSureTuningScales;

    /// <summary>
    /// Refine the output by collaborative Wiener filtering, the second stage of BM3D with the network's output (after
    /// <see cref="SureTuning"/>, <see cref="SureBlend"/> and <see cref="SelfEnsemble"/>, when set) as its pilot: similar
    /// patches are grouped, and each transform coefficient of the NOISY group is kept in the share the pilot's coefficient
    /// says is signal, P^2 / (P^2 + sigma^2). The values come from the noisy image, so detail the network smoothed away comes
    /// back where its output still shows some of it. Needs the noise level (<see cref="NoiseLevel"/>, or estimated); no network
    /// pass, about a second per 256 x 256 channel on two CPU cores. Off by default. Color images are filtered in an
    /// opponent colour space, grouped on the luminance, as in CBM3D.
    /// </summary>
    public bool WienerRefinement { get; init; }

    /// <summary>
    /// Give the <see cref="WienerRefinement"/> a second pilot besides the network's output: BM3D's own first stage, collaborative
    /// hard thresholding of the noisy image (groups of 16 similar patches, coefficients below 2.7 sigma set to zero). Grouping
    /// makes a texture that repeats across the image stand out of the noise, so this estimate keeps detail the network smooths
    /// away (stripes, fabric, brickwork). The refinement then groups its patches in that estimate, and takes each coefficient's
    /// gain from the mean of the two pilots' powers: a coefficient either pilot shows as signal is kept in part. Turns the
    /// refinement on; costs about as much again as the refinement. Off by default.
    /// </summary>
    public bool HardThresholdingPilot { get; init; }

    /// <summary>Clip the output to [0, 1] (default true).</summary>
    public bool ClipOutput { get; init; } = true;

    /// <summary>
    /// The noise level sigma of the input on the 0..255 scale, for a denoiser whose network takes it
    /// (<see cref="DenoiserNetworkOptions.NoiseLevelInput"/>); ignored by the others. When null (default) it is estimated from
    /// each whole image with <see cref="Noise.NoiseLevelEstimator"/>. For a grayscale model on a color image it is the level of
    /// each RGB channel (the model works on opponent channels, whose level is sigma / sqrt(3); see <see cref="Denoiser.Channels"/>).
    /// </summary>
    public double? NoiseLevel { get; init; }

    internal void Validate()
    {
        if (NoiseLevel is { } level && !(level >= 0 && level <= 255))
            throw new ArgumentOutOfRangeException(nameof(NoiseLevel), level, "The noise level must be between 0 and 255.");
        if (SureTuningScales is null || SureTuningScales.Count == 0 || SureTuningScales.Any(k => !(k > 0 && k <= 10)))
            throw new ArgumentOutOfRangeException(nameof(SureTuningScales), "The SURE tuning scales must be one or more numbers in (0, 10].");
        if (SureTuningRadius is < 0 or > 256) throw new ArgumentOutOfRangeException(nameof(SureTuningRadius), SureTuningRadius, "The SURE tuning radius must be between 0 (one choice per image) and 256 pixels.");
        if (TileSize < 8) throw new ArgumentOutOfRangeException(nameof(TileSize), TileSize, "Tiles must be at least 8 pixels.");
    }
}
