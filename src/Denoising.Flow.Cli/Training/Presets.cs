namespace Denoising.Flow.Cli.Training;

/// <summary>Architecture presets of <c>dnflow train</c>: small (minutes on a laptop CPU), default (the shipped models' recipe), large.</summary>
internal static class Presets
{
    public static readonly string[] Names = ["small", "default", "large"];

    /// <summary>Glow levels, steps per level, width, patch, batch, steps.</summary>
    public static (int Levels, int K, int Width, int Patch, int Batch, long Steps) Prior(string preset) => preset switch
    {
        "small" => (2, 4, 32, 16, 16, 1000),
        "large" => (3, 16, 128, 32, 32, 20000),
        _ => (3, 8, 64, 32, 32, 8000),
    };

    /// <summary>Residual blocks, width, patch, batch, steps.</summary>
    public static (int Blocks, int Width, int Patch, int Batch, long Steps) Denoiser(string preset) => preset switch
    {
        "small" => (4, 16, 32, 8, 500),
        "large" => (16, 64, 48, 16, 6000),
        _ => (10, 32, 40, 16, 2400),
    };
}
