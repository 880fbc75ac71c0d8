namespace Denoising.Flow.Imaging;

/// <summary>
/// Options for <see cref="ImageIO"/> reads. Set with object initialisers; an instance is not changed afterwards
/// and can be shared between threads.
/// </summary>
public sealed class ImageReadOptions
{
    /// <summary>
    /// The default for <see cref="MaxPixels"/>: 50 000 000 pixels (for example 8 660 x 5 773; cameras up to 50 megapixels).
    /// A read costs about 15 bytes per pixel for 8-bit color (18 for 16-bit color, 5 to 6 for gray: the decoder's pixels
    /// and the float32 tensor) plus the decoder's own buffers, so a read at this limit peaks near 1.2 GB and takes a few
    /// seconds on one core. Raise it for larger images.
    /// </summary>
    public const long DefaultMaxPixels = 50_000_000;

    private readonly long maxPixels = DefaultMaxPixels;
    private readonly ImageColorMode colorMode = ImageColorMode.Auto;

    /// <summary>The options every read uses when none are given: <see cref="DefaultMaxPixels"/>, <see cref="ImageColorMode.Auto"/>.</summary>
    public static ImageReadOptions Default { get; } = new();

    /// <summary>
    /// The largest width x height accepted. The size is taken from the file header before anything is decoded,
    /// so a file whose header claims more is refused with an <see cref="ImageReadException"/> without allocating
    /// its pixels. Default <see cref="DefaultMaxPixels"/>; must be positive.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public long MaxPixels
    {
        get => maxPixels;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            maxPixels = value;
        }
    }

    /// <summary>How many channels a read returns. Default <see cref="ImageColorMode.Auto"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="ImageColorMode"/>.</exception>
    public ImageColorMode ColorMode
    {
        get => colorMode;
        init
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown ImageColorMode.");
            }

            colorMode = value;
        }
    }
}
