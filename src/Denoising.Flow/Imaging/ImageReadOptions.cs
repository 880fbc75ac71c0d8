namespace Denoising.Flow.Imaging;

/// <summary>
/// Options for <see cref="ImageIO"/> reads. Set with object initialisers; an instance is not changed afterwards
/// and can be shared between threads.
/// </summary>
public sealed class ImageReadOptions
{
    /// <summary>The default for <see cref="MaxPixels"/>: 100 000 000 pixels (for example 10 000 x 10 000).</summary>
    public const long DefaultMaxPixels = 100_000_000;

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
