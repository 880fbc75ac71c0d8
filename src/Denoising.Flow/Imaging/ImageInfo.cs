namespace Denoising.Flow.Imaging;

/// <summary>What an image file's header says about it; returned by <see cref="ImageIO.Identify(string)"/>.</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Channels">
/// Color channels, alpha excluded: 1 for a grayscale source, 3 for a color one (see <see cref="ImageColorMode.Auto"/>);
/// the channel count a read with <see cref="ImageColorMode.Auto"/> returns.
/// </param>
/// <param name="BitsPerChannel">16 when the file stores more than 8 bits per sample (16-bit PNG or TIFF), otherwise 8.</param>
/// <param name="HasAlpha">Whether the header declares an alpha channel (reads drop it).</param>
/// <param name="Format">The format's name in upper case: PNG, JPEG, BMP, TGA, TIFF, WEBP or GIF.</param>
public sealed record ImageInfo(int Width, int Height, int Channels, int BitsPerChannel, bool HasAlpha, string Format);
