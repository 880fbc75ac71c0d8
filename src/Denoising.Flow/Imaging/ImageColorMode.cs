namespace Denoising.Flow.Imaging;

/// <summary>How many channels <see cref="ImageIO.Read(string, ImageReadOptions?, Microsoft.Extensions.Logging.ILogger?)"/> returns.</summary>
public enum ImageColorMode
{
    /// <summary>
    /// One channel for a grayscale source, three for a color source. A source is grayscale when its header
    /// declares a single luminance channel (with or without alpha): PNG color type 0 or 4, single-component
    /// JPEG, TIFF photometric interpretation WhiteIsZero or BlackIsZero, TGA black-and-white image types 3 and 11.
    /// Palette-based and other sources (palette PNG, BMP, GIF, WebP) count as color, whatever their pixels hold.
    /// </summary>
    Auto = 0,

    /// <summary>Always one channel: color sources are converted with ITU-R BT.601 luma, Y = 0.299 R + 0.587 G + 0.114 B.</summary>
    Grayscale = 1,

    /// <summary>Always three channels (RGB): a grayscale source is replicated into R, G and B.</summary>
    Color = 2,
}
