using Denoising.Flow.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;
using IsPngBitDepth = SixLabors.ImageSharp.Formats.Png.PngBitDepth;

namespace Denoising.Flow.Cli.Imaging;

/// <summary>
/// A denoised [C,H,W] tensor (C = 1 or 3, values in [0,1]) and an optional alpha plane [1,H,W] to PNG, TIFF or JPEG bytes.
/// Values are quantised once, straight from float to the output depth (round half away from zero), never through 8 bits.
/// </summary>
internal static class ImageWriter
{
    private const int JpegQuality = 95;

    public static void Write(Stream stream, Tensor image, Tensor? alpha, OutputEncoding encoding)
    {
        int channels = (int)image.shape[0], height = (int)image.shape[1], width = (int)image.shape[2];
        if (encoding.Format == OutputFormat.Png && alpha is null)
        {
            ImageIO.WritePng(image, stream, encoding.BitsPerChannel == 16 ? Denoising.Flow.Imaging.PngBitDepth.Bit16 : Denoising.Flow.Imaging.PngBitDepth.Bit8);
            return;
        }

        if (encoding.Format == OutputFormat.Jpeg)
        {
            alpha = null; // JPEG cannot hold it (and a JPEG source has none)
        }
        else if (encoding.Format == OutputFormat.Tiff && channels == 1 && alpha is not null)
        {
            // ImageSharp 2.1 cannot read a gray-with-alpha TIFF back, so it is written as RGBA with the gray replicated.
            image = image.expand(3, -1, -1);
            channels = 3;
        }

        int samplesPerPixel = channels + (alpha is null ? 0 : 1);
        float max = encoding.BitsPerChannel == 16 ? 65535f : 255f;
        ushort[] samples = Interleave(image, alpha, max);
        switch (encoding.Format)
        {
            case OutputFormat.Tiff:
                TiffWriter.Write(stream, samples, width, height, samplesPerPixel, encoding.BitsPerChannel, alpha is not null);
                break;
            case OutputFormat.Jpeg:
                Save(stream, samples, width, height, samplesPerPixel, 8, new JpegEncoder { Quality = JpegQuality, ColorType = channels == 1 ? JpegColorType.Luminance : JpegColorType.YCbCrRatio444 });
                break;
            default:
                var png = new PngEncoder
                {
                    ColorType = channels == 1 ? PngColorType.GrayscaleWithAlpha : PngColorType.RgbWithAlpha,
                    BitDepth = encoding.BitsPerChannel == 16 ? IsPngBitDepth.Bit16 : IsPngBitDepth.Bit8,
                };
                Save(stream, samples, width, height, samplesPerPixel, encoding.BitsPerChannel, png);
                break;
        }
    }

    /// <summary>Quantised samples, pixel by pixel (color channels, then alpha).</summary>
    private static ushort[] Interleave(Tensor image, Tensor? alpha, float max)
    {
        using var scope = NewDisposeScope();
        var planes = alpha is null ? image : cat(new[] { image.to(ScalarType.Float32), alpha.to(ScalarType.Float32) }, 0);
        var values = planes.to(ScalarType.Float32).cpu().permute(1, 2, 0).contiguous().data<float>().ToArray();
        var samples = new ushort[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            float v = float.IsNaN(values[i]) ? 0f : Math.Clamp(values[i], 0f, 1f);
            samples[i] = (ushort)MathF.Round(v * max, MidpointRounding.AwayFromZero);
        }

        return samples;
    }

    private static void Save(Stream stream, ushort[] s, int width, int height, int spp, int bits, SixLabors.ImageSharp.Formats.IImageEncoder encoder)
    {
        switch (spp, bits)
        {
            case (1, _):
                Encode(new Image<L8>(width, height), i => new L8((byte)s[i]));
                break;
            case (3, _):
                Encode(new Image<Rgb24>(width, height), i => new Rgb24((byte)s[3 * i], (byte)s[(3 * i) + 1], (byte)s[(3 * i) + 2]));
                break;
            case (2, 8):
                Encode(new Image<La16>(width, height), i => new La16((byte)s[2 * i], (byte)s[(2 * i) + 1]));
                break;
            case (2, _):
                Encode(new Image<La32>(width, height), i => new La32(s[2 * i], s[(2 * i) + 1]));
                break;
            case (4, 8):
                Encode(new Image<Rgba32>(width, height), i => new Rgba32((byte)s[4 * i], (byte)s[(4 * i) + 1], (byte)s[(4 * i) + 2], (byte)s[(4 * i) + 3]));
                break;
            default:
                Encode(new Image<Rgba64>(width, height), i => new Rgba64(s[4 * i], s[(4 * i) + 1], s[(4 * i) + 2], s[(4 * i) + 3]));
                break;
        }

        void Encode<TPixel>(Image<TPixel> target, Func<int, TPixel> pixel)
            where TPixel : unmanaged, IPixel<TPixel>
        {
            using (target)
            {
                target.ProcessPixelRows(rows =>
                {
                    for (int y = 0; y < rows.Height; y++)
                    {
                        var row = rows.GetRowSpan(y);
                        for (int x = 0; x < row.Length; x++)
                        {
                            row[x] = pixel((y * rows.Width) + x);
                        }
                    }
                });
                target.Save(stream, encoder);
            }
        }
    }
}
