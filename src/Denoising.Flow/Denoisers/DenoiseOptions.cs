namespace Denoising.Flow.Denoisers;

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

    internal void Validate()
    {
        if (TileSize < 8) throw new ArgumentOutOfRangeException(nameof(TileSize), TileSize, "Tiles must be at least 8 pixels.");
    }
}
