using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Memory;
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
        options ??= ImageReadOptions.Default;
        var header = ImageDecoding.Check(data, path, options); // The same checks as a read, without decoding the color planes.
        if (!header.Layout.HasAlpha)
        {
            return null;
        }

        // The reads' bounded configuration; gray + alpha at 16 bits (4 bytes per pixel) keeps any source's alpha precision.
        var configuration = ImageDecoding.ConfigurationFor(options.MaxPixels);
        try
        {
            using var image = Image.Load<La32>(configuration, data, ImageDecoding.DecoderFor(header.Format));
            var alpha = new float[(long)image.Width * image.Height];
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
        catch (InvalidMemoryOperationException ex)
        {
            throw new ImageReadException(path, $"Cannot read the alpha channel of '{path}': it is corrupt ({ex.Message}).", ex);
        }
        catch (OutOfMemoryException ex)
        {
            configuration.MemoryAllocator.ReleaseRetainedResources();
            throw new ImageReadException(path, $"Cannot read the alpha channel of '{path}': there is not enough memory.", ex);
        }
        catch (Exception ex) when (ex is not (ImageReadException or OperationCanceledException))
        {
            throw new ImageReadException(path, $"Cannot read the alpha channel of '{path}': {ex.Message}", ex);
        }
    }
}
