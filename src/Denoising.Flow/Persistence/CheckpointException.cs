namespace Denoising.Flow;

/// <summary>A model or checkpoint file could not be loaded: corrupt, truncated, of another kind, of another architecture, or of a newer format.</summary>
public sealed class CheckpointException : IOException
{
    /// <summary>Creates the exception.</summary>
    public CheckpointException(string path, string message, Exception? inner = null)
        : base($"Cannot load '{path}': {message}", inner)
    {
        FilePath = path;
    }

    /// <summary>The file.</summary>
    public string FilePath { get; }
}
