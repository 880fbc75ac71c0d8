using Microsoft.Extensions.Logging.Abstractions;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Imaging;

/// <content>The alpha channel, for callers that carry it through untouched (<see cref="Read(string, ImageReadOptions?, Microsoft.Extensions.Logging.ILogger?)"/> drops it).</content>
public static partial class ImageIO
{
    /// <summary>
    /// Reads the alpha channel of an image file as a float32 CPU tensor of shape [1,H,W] with values in [0,1]
    /// (16-bit sources keep their precision, 8-bit ones give exactly k / 255), or null when the header declares no alpha
    /// (see <see cref="ImageInfo.HasAlpha"/>). The file passes every check of
    /// <see cref="Read(string, ImageReadOptions?, Microsoft.Extensions.Logging.ILogger?)"/> (size limit, truncation,
    /// corruption) before its alpha is decoded. Multi-frame files give the alpha of their first frame.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="options">Read options (only <see cref="ImageReadOptions.MaxPixels"/> matters); <see cref="ImageReadOptions.Default"/> when null.</param>
    /// <returns>A new tensor the caller owns, or null.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ImageReadException">The file is not a readable image, or is too large.</exception>
    public static Tensor? ReadAlpha(string path, ImageReadOptions? options = null)
    {
        byte[] data = ReadFile(path);
        var header = ImageDecoding.Identify(data, path);
        if (!header.Layout.HasAlpha)
        {
            return null;
        }

        using (ImageDecoding.Decode(data, path, options ?? ImageReadOptions.Default, NullLogger.Instance))
        {
            // The same checks as a read; the color planes are not needed.
        }

        try
        {
            using var image = header.Format is TiffFormat
                ? Image.Load<Rgba64>(Configuration.Default, data, new TiffDecoder { DecodingMode = FrameDecodingMode.First })
                : Image.Load<Rgba64>(Configuration.Default, data);
            var alpha = new float[image.Width * image.Height];
            image.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < rows.Height; y++)
                {
                    var row = rows.GetRowSpan(y);
                    var dst = alpha.AsSpan(y * rows.Width, rows.Width);
                    for (int x = 0; x < row.Length; x++)
                    {
                        dst[x] = row[x].A / 65535f;
                    }
                }
            });
            return torch.tensor(alpha, new long[] { 1, image.Height, image.Width }, ScalarType.Float32);
        }
        catch (Exception ex) when (ex is not (ImageReadException or OperationCanceledException or OutOfMemoryException))
        {
            throw new ImageReadException(path, $"Cannot read the alpha channel of '{path}': {ex.Message}", ex);
        }
    }
}
