namespace Denoising.Flow;

/// <summary>
/// A file could not be read as an image: it is empty, not an image, in an unsupported format, truncated, corrupt,
/// or larger than <see cref="Imaging.ImageReadOptions.MaxPixels"/>. The message says which and names the file; the
/// decoder's own exception, if any, is the <see cref="Exception.InnerException"/>.
/// </summary>
public sealed class ImageReadException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The file (or stream name) that could not be read.</param>
    /// <param name="message">The message; it should name the file.</param>
    /// <param name="innerException">The decoder's exception, if any.</param>
    public ImageReadException(string filePath, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        FilePath = filePath;
    }

    /// <summary>The file (or, for stream reads, the name given) that could not be read.</summary>
    public string FilePath { get; }
}
