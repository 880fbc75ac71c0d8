using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Imaging;

/// <summary>Bytes of an image file to a [C,H,W] float tensor; every failure becomes an <see cref="ImageReadException"/>.</summary>
internal static class ImageDecoding
{
    public const string SupportedFormats = "PNG, JPEG, BMP, TGA, TIFF, WebP, GIF";

    /// <summary>After decoding an image of at least this many pixels, the pooled buffers are handed back to the OS.</summary>
    private const long ReleasePoolAbovePixels = 4_000_000;

    /// <summary>
    /// The largest single buffer a decoder may allocate, in bytes per pixel of <see cref="ImageReadOptions.MaxPixels"/>
    /// (16-bit RGBA is 8), plus <see cref="AllocationSlackMegabytes"/>. Hostile headers that size buffers by other fields
    /// (a TIFF's rows per strip, a BMP's or ICO's claimed lengths) are refused instead of allocating gigabytes.
    /// </summary>
    private const long AllocationBytesPerPixel = 8;

    private const int AllocationSlackMegabytes = 16;

    /// <summary>
    /// ImageSharp's default allocator keeps up to gigabytes of pooled buffers for the life of the process and has no
    /// size limit: the library's reads use their own configurations (one per MaxPixels value in use), each with a
    /// pool of at most 32 MB and a per-buffer limit derived from MaxPixels.
    /// </summary>
    private static readonly ConcurrentDictionary<long, Configuration> Configurations = new();

    internal static Configuration ConfigurationFor(long maxPixels) => Configurations.GetOrAdd(maxPixels, static pixels =>
    {
        var configuration = SixLabors.ImageSharp.Configuration.Default.Clone();
        long limitMegabytes = Math.Min(int.MaxValue, ((pixels * AllocationBytesPerPixel) >> 20) + AllocationSlackMegabytes);
        configuration.MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions
        {
            MaximumPoolSizeMegabytes = 32,
            AllocationLimitMegabytes = (int)limitMegabytes,
        });
        return configuration;
    });

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
            info = Image.Identify(ConfigurationFor(ImageReadOptions.DefaultMaxPixels), data, out format);
        }
        catch (OutOfMemoryException ex)
        {
            // Headers are small: a decoder that runs out of memory reading one was asked for an impossible array (a BMP
            // whose pixel data offset of 2 GB makes its palette that large).
            throw new ImageReadException(name, $"Cannot read image '{name}': its header is corrupt (it asks for an impossible allocation: {ex.Message}).", ex);
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

    /// <summary>
    /// Every check a read makes before decoding pixels: the header, <see cref="ImageReadOptions.MaxPixels"/>, a cut file,
    /// and damaged PNG or GIF pixel data. Returns the header; throws <see cref="ImageReadException"/>.
    /// </summary>
    public static Header Check(byte[] data, string name, ImageReadOptions options)
    {
        var header = Identify(data, name);
        long pixels = (long)header.Info.Width * header.Info.Height;
        if (pixels > options.MaxPixels)
        {
            throw new ImageReadException(name,
                $"Cannot read image '{name}': it is too large: the header claims {header.Info.Width}x{header.Info.Height} = {pixels} pixels, more than MaxPixels = {options.MaxPixels}.");
        }

        bool truncated;
        string? damage;
        try
        {
            truncated = TruncationCheck.IsTruncated(header.FormatName, data);
            damage = truncated ? null : header.FormatName switch
            {
                "PNG" => PngDataCheck.Problem(data),
                "GIF" => GifDataCheck.Problem(data),
                _ => null,
            };
        }
        catch (Exception ex) when (IsDecoderFailure(ex))
        {
            throw Corrupt(name, ex);
        }

        if (truncated)
        {
            throw new ImageReadException(name, $"Cannot read image '{name}': the {header.FormatName} file is truncated.");
        }

        if (damage is not null)
        {
            throw new ImageReadException(name, $"Cannot read image '{name}': the {header.FormatName} file is damaged: {damage}.");
        }

        return header;
    }

    public static Tensor Decode(byte[] data, string name, ImageReadOptions options, ILogger logger)
    {
        var header = Check(data, name, options);
        long pixels = (long)header.Info.Width * header.Info.Height;
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

        var configuration = ConfigurationFor(options.MaxPixels);
        try
        {
            var tensor = DecodePixels(data, header, channels, configuration);
            if (pixels >= ReleasePoolAbovePixels)
            {
                configuration.MemoryAllocator.ReleaseRetainedResources();
            }

            return tensor;
        }
        catch (InvalidMemoryOperationException ex)
        {
            throw new ImageReadException(name,
                $"Cannot read image '{name}': it is corrupt: decoding it would need a buffer larger than {pixels} pixels can need ({ex.Message}).", ex);
        }
        catch (OutOfMemoryException ex)
        {
            configuration.MemoryAllocator.ReleaseRetainedResources();
            throw new ImageReadException(name,
                $"Cannot read image '{name}': there is not enough memory to decode {header.Info.Width}x{header.Info.Height} pixels (about {BytesPerPixel(header, channels)} bytes per pixel).", ex);
        }
        catch (Exception ex) when (IsDecoderFailure(ex))
        {
            throw Corrupt(name, ex);
        }
    }

    /// <summary>
    /// Peak bytes per pixel of a read: the decoder's pixels (1 to 6 bytes) plus the float32 tensor (4 per channel).
    /// </summary>
    public static int BytesPerPixel(Header header, int channels) =>
        ((header.Layout.IsGray ? 1 : 3) * (header.Layout.BitsPerChannel > 8 ? 2 : 1)) + (4 * channels);

    /// <summary>Decodes in the narrowest pixel type that keeps the source's precision, then fills the tensor row by row.</summary>
    private static Tensor DecodePixels(byte[] data, Header header, int channels, Configuration configuration)
    {
        var decoder = DecoderFor(header.Format);
        bool wide = header.Layout.BitsPerChannel > 8;
        if (header.Layout.IsGray)
        {
            if (wide)
            {
                using var gray16 = Image.Load<L16>(configuration, data, decoder);
                return PixelPlanes.FromGray(gray16, channels);
            }

            using var gray8 = Image.Load<L8>(configuration, data, decoder);
            return PixelPlanes.FromGray(gray8, channels);
        }

        if (wide)
        {
            using var rgb48 = Image.Load<Rgb48>(configuration, data, decoder);
            return PixelPlanes.FromColor(rgb48, channels == 1);
        }

        using var rgb24 = Image.Load<Rgb24>(configuration, data, decoder);
        return PixelPlanes.FromColor(rgb24, channels == 1);
    }

    /// <summary>Multi-frame formats decode their first frame only.</summary>
    internal static IImageDecoder DecoderFor(IImageFormat format) => format switch
    {
        GifFormat => new GifDecoder { DecodingMode = FrameDecodingMode.First },
        TiffFormat => new TiffDecoder { DecodingMode = FrameDecodingMode.First },
        _ => SixLabors.ImageSharp.Configuration.Default.ImageFormatsManager.FindDecoder(format),
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
