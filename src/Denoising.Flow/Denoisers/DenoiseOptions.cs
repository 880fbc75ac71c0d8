namespace Denoising.Flow;

/// <summary>Options of one <see cref="Denoiser.Denoise(TorchSharp.torch.Tensor, DenoiseOptions?)"/> call.</summary>
public sealed record DenoiseOptions
{
    /// <summary>The default options.</summary>
    public static DenoiseOptions Default { get; } = new();

    /// <summary>
    /// Side of the square core of each tile (default 256). Each tile is computed with the network's receptive radius of
    /// context on every side, and only its core is kept, so tiles meet without seams and the result equals whole-image
    /// inference up to float rounding. Memory is bounded by the tile, not the image.
    /// </summary>
    public int TileSize { get; init; } = 256;

    /// <summary>Average the outputs over the 8 flips and 90-degree rotations (8x the time, usually a little better).</summary>
    public bool SelfEnsemble { get; init; }

    /// <summary>Clip the output to [0, 1] (default true).</summary>
    public bool ClipOutput { get; init; } = true;

    /// <summary>
    /// The noise level sigma of the input on the 0..255 scale, for a denoiser whose network takes it
    /// (<see cref="DenoiserNetworkOptions.NoiseLevelInput"/>); ignored by the others. When null (default) it is estimated from
    /// each whole image with <see cref="Noise.NoiseLevelEstimator"/>.
    /// </summary>
    public double? NoiseLevel { get; init; }

    internal void Validate()
    {
        if (NoiseLevel is { } level && !(level >= 0 && level <= 255))
            throw new ArgumentOutOfRangeException(nameof(NoiseLevel), level, "The noise level must be between 0 and 255.");
        if (TileSize < 8) throw new ArgumentOutOfRangeException(nameof(TileSize), TileSize, "Tiles must be at least 8 pixels.");
    }
}
