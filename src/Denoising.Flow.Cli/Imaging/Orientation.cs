using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using static TorchSharp.torch;

namespace Denoising.Flow.Cli.Imaging;

/// <summary>EXIF orientation (1 to 8): the stored pixels turned into the picture as it is meant to be seen.</summary>
internal static class Orientation
{
    /// <summary>
    /// The EXIF orientation of a file, 1 when it has none. Call only after <c>ImageIO.Read</c> has accepted the file:
    /// this reads the header again with ImageSharp for its metadata.
    /// </summary>
    public static int Read(string path)
    {
        try
        {
            var info = Image.Identify(path);
            var value = info?.Metadata.ExifProfile?.GetValue(ExifTag.Orientation);
            return value is { Value: >= 1 and <= 8 } v ? v.Value : 1;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return 1; // damaged metadata: the pixels decoded, so keep them as stored
        }
    }

    /// <summary>A [C,H,W] tensor as displayed under <paramref name="orientation"/> (a new tensor, or the input for 1).</summary>
    public static Tensor Apply(Tensor image, int orientation) => orientation switch
    {
        2 => image.flip(2),
        3 => image.flip(1, 2),
        4 => image.flip(1),
        5 => image.transpose(1, 2),
        6 => image.transpose(1, 2).flip(2),
        7 => image.transpose(1, 2).flip(1, 2),
        8 => image.transpose(1, 2).flip(1),
        _ => image,
    };
}
