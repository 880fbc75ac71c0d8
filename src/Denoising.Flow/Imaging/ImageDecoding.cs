using Microsoft.Extensions.Logging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Imaging;

/// <summary>Bytes of an image file to a [C,H,W] float tensor; every failure becomes an <see cref="ImageReadException"/>.</summary>
internal static class ImageDecoding
{
    public const string SupportedFormats = "PNG, JPEG, BMP, TGA, TIFF, WebP, GIF";

    /// <summary>Header facts of a file: its format, the ImageSharp header and the channel layout.</summary>
    internal sealed record Header(IImageFormat Format, string FormatName, IImageInfo Info, SourceLayout Layout);

    public static Header Identify(byte[] data, string name)
    {
        if (data.Length == 0)
        {
            throw new ImageReadException(name, $"Cannot read image '{name}': the file is empty.");
        }

        IImageInfo? info;
        IImageFormat? format;
        try
        {
            info = Image.Identify(Configuration.Default, data, out format);
        }
        catch (Exception ex) when (IsDecoderFailure(ex))
        {
            throw Corrupt(name, ex);
        }

        if (info is null || format is null)
        {
            throw new ImageReadException(name,
                $"Cannot read image '{name}': it is not an image, or not in a supported format ({SupportedFormats}).");
        }

        if (info.Width <= 0 || info.Height <= 0)
        {
            throw new ImageReadException(name, $"Cannot read image '{name}': the header is corrupt (size {info.Width}x{info.Height}).");
        }

        string formatName = format.Name.ToUpperInvariant();
        try
        {
            return new Header(format, formatName, info, SourceLayout.Of(format, info, data));
        }
        catch (Exception ex) when (IsDecoderFailure(ex))
        {
            throw Corrupt(name, ex);
        }
    }

    public static Tensor Decode(byte[] data, string name, ImageReadOptions options, ILogger logger)
    {
        var header = Identify(data, name);
        long pixels = (long)header.Info.Width * header.Info.Height;
        if (pixels > options.MaxPixels)
        {
            throw new ImageReadException(name,
                $"Cannot read image '{name}': it is too large: the header claims {header.Info.Width}x{header.Info.Height} = {pixels} pixels, more than MaxPixels = {options.MaxPixels}.");
        }

        bool truncated;
        try
        {
            truncated = TruncationCheck.IsTruncated(header.FormatName, data);
        }
        catch (Exception ex) when (IsDecoderFailure(ex))
        {
            throw Corrupt(name, ex);
        }

        if (truncated)
        {
            throw new ImageReadException(name, $"Cannot read image '{name}': the {header.FormatName} file is truncated.");
        }

        if (header.Layout.HasAlpha)
        {
            ImagingLog.AlphaDroppedOnce(logger, name);
        }

        bool gray = header.Layout.IsGray;
        int channels = options.ColorMode switch
        {
            ImageColorMode.Grayscale => 1,
            ImageColorMode.Color => 3,
            _ => gray ? 1 : 3,
        };

        try
        {
            var decoder = DecoderFor(header.Format);
            float[] planes;
            int width, height;
            if (gray)
            {
                using var image = Image.Load<L16>(Configuration.Default, data, decoder);
                (width, height) = (image.Width, image.Height);
                planes = PixelPlanes.FromGray(image, channels);
            }
            else
            {
                using var image = Image.Load<Rgb48>(Configuration.Default, data, decoder);
                (width, height) = (image.Width, image.Height);
                planes = PixelPlanes.FromColor(image, channels == 1);
            }

            return torch.tensor(planes, new long[] { channels, height, width }, ScalarType.Float32);
        }
        catch (Exception ex) when (IsDecoderFailure(ex))
        {
            throw Corrupt(name, ex);
        }
    }

    /// <summary>Multi-frame formats decode their first frame only.</summary>
    private static IImageDecoder DecoderFor(IImageFormat format) => format switch
    {
        GifFormat => new GifDecoder { DecodingMode = FrameDecodingMode.First },
        TiffFormat => new TiffDecoder { DecodingMode = FrameDecodingMode.First },
        _ => Configuration.Default.ImageFormatsManager.FindDecoder(format),
    };

    /// <summary>Anything a decoder throws on bad input; not cancellations, our own exception, or running out of memory.</summary>
    private static bool IsDecoderFailure(Exception ex) =>
        ex is not (ImageReadException or OperationCanceledException or OutOfMemoryException);

    private static ImageReadException Corrupt(string name, Exception ex) => ex switch
    {
        UnknownImageFormatException => new ImageReadException(name,
            $"Cannot read image '{name}': it is not an image, or not in a supported format ({SupportedFormats}).", ex),
        NotSupportedException => new ImageReadException(name,
            $"Cannot read image '{name}': it is corrupt or uses an unsupported variant of its format ({ex.Message}).", ex),
        _ => new ImageReadException(name, $"Cannot read image '{name}': it is corrupt or truncated ({ex.Message}).", ex),
    };
}
