using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace Denoising.Flow.Imaging;

/// <summary>
/// Reads image files into float tensors and writes tensors as PNG. This is the only part of the library that
/// touches image formats (through SixLabors.ImageSharp); everything else works on tensors.
/// All members are thread-safe.
/// </summary>
public static partial class ImageIO
{
    /// <summary>The file extensions <see cref="ListImages"/> looks for (compared case-insensitively).</summary>
    public static IReadOnlyList<string> ImageExtensions { get; } =
        [".png", ".jpg", ".jpeg", ".bmp", ".tga", ".tif", ".tiff", ".webp", ".gif"];

    /// <summary>
    /// Reads an image file as a float32 CPU tensor of shape [C,H,W], channels in RGB order, values in [0,1].
    /// Reads PNG, JPEG, BMP, TGA, TIFF, WebP and GIF (first frame), 8 and 16 bits per channel; 16-bit sources
    /// keep their precision (value / 65535), 8-bit ones give exactly k / 255. Alpha is dropped, not composited
    /// (logged once per process at Information level). C follows <see cref="ImageReadOptions.ColorMode"/>.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="options">Read options; <see cref="ImageReadOptions.Default"/> when null.</param>
    /// <param name="logger">Receives the alpha notice; none when null.</param>
    /// <returns>A new tensor the caller owns.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ImageReadException">
    /// The file is empty, not an image, in an unsupported format, truncated, corrupt, or larger than
    /// <see cref="ImageReadOptions.MaxPixels"/> (checked from the header before decoding).
    /// </exception>
    public static Tensor Read(string path, ImageReadOptions? options = null, ILogger? logger = null) =>
        ImageDecoding.Decode(ReadFile(path), path, options ?? ImageReadOptions.Default, logger ?? NullLogger.Instance);

    /// <summary>Reads an image from a stream; see <see cref="Read(string, ImageReadOptions?, ILogger?)"/>.</summary>
    /// <param name="stream">The image bytes, read from the current position to the end; not closed.</param>
    /// <param name="name">A name for the image (for example its file name), used in messages and <see cref="ImageReadException.FilePath"/>.</param>
    /// <param name="options">Read options; <see cref="ImageReadOptions.Default"/> when null.</param>
    /// <param name="logger">Receives the alpha notice; none when null.</param>
    /// <returns>A new float32 CPU tensor [C,H,W] with values in [0,1].</returns>
    /// <exception cref="ImageReadException">The bytes are not a readable image, or the image is too large.</exception>
    public static Tensor Read(Stream stream, string name, ImageReadOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return ImageDecoding.Decode(ReadStream(stream), name, options ?? ImageReadOptions.Default, logger ?? NullLogger.Instance);
    }

    /// <summary>Reads an image file's header: size, channels, bit depth, alpha and format. Pixels are not decoded.</summary>
    /// <param name="path">The file.</param>
    /// <returns>What the header says.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ImageReadException">The file is empty, not an image, unsupported, or its header is corrupt.</exception>
    public static ImageInfo Identify(string path)
    {
        var header = ImageDecoding.Identify(ReadFile(path), path);
        return new ImageInfo(header.Info.Width, header.Info.Height, header.Layout.IsGray ? 1 : 3,
            header.Layout.BitsPerChannel, header.Layout.HasAlpha, header.FormatName);
    }

    /// <summary>
    /// Writes a [C,H,W] or [1,C,H,W] tensor (C = 1 gray or 3 RGB; any dtype and device) as a PNG file. Values are
    /// clamped to [0,1] (NaN becomes 0) and rounded half away from zero to 8 or 16 bits. The folder is created
    /// if missing; the file is written to a temporary file in the same folder and then moved over
    /// <paramref name="path"/>, so readers never see a half-written image.
    /// </summary>
    /// <param name="image">The image; not modified or disposed.</param>
    /// <param name="path">The PNG file to create or replace.</param>
    /// <param name="bitDepth">Bits per channel.</param>
    /// <exception cref="ArgumentException">The tensor's shape is not [C,H,W] or [1,C,H,W] with C = 1 or 3 (the message names it).</exception>
    public static void WritePng(Tensor image, string path, PngBitDepth bitDepth = PngBitDepth.Bit8)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        string temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                PngWriting.Write(image, stream, bitDepth);
            }

            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Writes a tensor as PNG to a stream; see <see cref="WritePng(Tensor, string, PngBitDepth)"/>.</summary>
    /// <param name="image">The image; not modified or disposed.</param>
    /// <param name="stream">Receives the PNG bytes; not closed.</param>
    /// <param name="bitDepth">Bits per channel.</param>
    /// <exception cref="ArgumentException">The tensor's shape is not [C,H,W] or [1,C,H,W] with C = 1 or 3.</exception>
    public static void WritePng(Tensor image, Stream stream, PngBitDepth bitDepth = PngBitDepth.Bit8) =>
        PngWriting.Write(image, stream, bitDepth);

    /// <summary>
    /// The image files directly in a folder (not subfolders), chosen by extension (see <see cref="ImageExtensions"/>,
    /// case-insensitive), as full paths sorted ordinally.
    /// </summary>
    /// <param name="folder">The folder.</param>
    /// <returns>At least one path.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="ArgumentException">The folder holds no image files.</exception>
    public static IReadOnlyList<string> ListImages(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Image folder '{folder}' does not exist.");
        }

        var files = Directory.EnumerateFiles(Path.GetFullPath(folder))
            .Where(f => ImageExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToArray();
        if (files.Length == 0)
        {
            throw new ArgumentException(
                $"Folder '{folder}' contains no images (looked for {string.Join(", ", ImageExtensions)}).", nameof(folder));
        }

        return files;
    }

    private static byte[] ReadFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Image file '{path}' was not found.", path);
        }

        return File.ReadAllBytes(path);
    }

    private static byte[] ReadStream(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
