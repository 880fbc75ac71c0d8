using Denoising.Flow.Imaging;

namespace Denoising.Flow.Cli.Imaging;

/// <summary>File formats dnflow writes.</summary>
internal enum OutputFormat
{
    /// <summary>PNG, 8 or 16 bits per channel, gray or RGB, with or without alpha.</summary>
    Png,

    /// <summary>Baseline uncompressed TIFF, 8 or 16 bits per channel, gray or RGB, with or without (unassociated) alpha.</summary>
    Tiff,

    /// <summary>JPEG, 8 bits, quality 95 (JPEG has no alpha and no 16 bits).</summary>
    Jpeg,
}

/// <summary>The format and bit depth of an output.</summary>
/// <param name="Format">File format.</param>
/// <param name="BitsPerChannel">8 or 16.</param>
internal sealed record OutputEncoding(OutputFormat Format, int BitsPerChannel)
{
    /// <summary>
    /// The format of an input's output, from its name so that it is known before anything is read: PNG and TIFF stay
    /// themselves, JPEG stays JPEG, the other formats (BMP, TGA, WebP, GIF) become PNG; <paramref name="requested"/> wins.
    /// </summary>
    public static OutputFormat FormatOf(string inputKey, OutputFormat? requested) =>
        requested ?? Path.GetExtension(inputKey).ToLowerInvariant() switch
        {
            ".tif" or ".tiff" => OutputFormat.Tiff,
            ".jpg" or ".jpeg" => OutputFormat.Jpeg,
            _ => OutputFormat.Png,
        };

    /// <summary>The input's bit depth where the format can hold it: 16-bit PNG or TIFF sources give 16-bit PNG or TIFF.</summary>
    public static OutputEncoding For(ImageInfo input, OutputFormat format) =>
        new(format, format != OutputFormat.Jpeg && input.BitsPerChannel > 8 ? 16 : 8);

    /// <summary>The output's key: the input's key with the format's extension (kept when it already is one of the format's).</summary>
    public static string OutputKey(string inputKey, OutputFormat format)
    {
        string ext = Path.GetExtension(inputKey).ToLowerInvariant();
        bool same = format switch
        {
            OutputFormat.Tiff => ext is ".tif" or ".tiff",
            OutputFormat.Jpeg => ext is ".jpg" or ".jpeg",
            _ => ext is ".png",
        };
        string extension = format switch
        {
            OutputFormat.Tiff => ".tif",
            OutputFormat.Jpeg => ".jpg",
            _ => ".png",
        };
        return same ? inputKey : Path.ChangeExtension(inputKey, extension);
    }
}
