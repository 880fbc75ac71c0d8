using Denoising.Flow.Internal;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;
using IsPngBitDepth = SixLabors.ImageSharp.Formats.Png.PngBitDepth;

namespace Denoising.Flow.Imaging;

/// <summary>A [C,H,W] or [1,C,H,W] tensor to PNG bytes.</summary>
internal static class PngWriting
{
    public static void Write(Tensor image, Stream stream, PngBitDepth bitDepth)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(stream);
        if (bitDepth is not (PngBitDepth.Bit8 or PngBitDepth.Bit16))
        {
            throw new ArgumentOutOfRangeException(nameof(bitDepth), bitDepth, "Use PngBitDepth.Bit8 or PngBitDepth.Bit16.");
        }

        var shape = image.shape;
        bool chw = shape.Length == 3, batched = shape.Length == 4 && shape[0] == 1;
        long channels = chw ? shape[0] : batched ? shape[1] : 0;
        if (!(chw || batched) || channels is not (1 or 3) || shape[^1] <= 0 || shape[^2] <= 0)
        {
            throw new ArgumentException(
                $"An image to write must have shape [C,H,W] or [1,C,H,W] with C = 1 or 3 and H, W > 0; got {Shapes.Format(shape)}.",
                nameof(image));
        }

        int height = checked((int)shape[^2]), width = checked((int)shape[^1]);
        float[] values;
        using (NewDisposeScope())
        {
            values = image.detach().reshape(channels, height, width).cpu().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        }

        bool sixteen = bitDepth == PngBitDepth.Bit16;
        var encoder = new PngEncoder
        {
            ColorType = channels == 1 ? PngColorType.Grayscale : PngColorType.Rgb,
            BitDepth = sixteen ? IsPngBitDepth.Bit16 : IsPngBitDepth.Bit8,
        };
        int plane = width * height;
        if (channels == 1 && !sixteen)
        {
            Save(new Image<L8>(width, height), (i, p) => new L8((byte)Quantize(values[i], 255f)));
        }
        else if (channels == 1)
        {
            Save(new Image<L16>(width, height), (i, p) => new L16((ushort)Quantize(values[i], 65535f)));
        }
        else if (!sixteen)
        {
            Save(new Image<Rgb24>(width, height), (i, p) => new Rgb24(
                (byte)Quantize(values[i], 255f), (byte)Quantize(values[plane + i], 255f), (byte)Quantize(values[(2 * plane) + i], 255f)));
        }
        else
        {
            Save(new Image<Rgb48>(width, height), (i, p) => new Rgb48(
                (ushort)Quantize(values[i], 65535f), (ushort)Quantize(values[plane + i], 65535f), (ushort)Quantize(values[(2 * plane) + i], 65535f)));
        }

        void Save<TPixel>(Image<TPixel> target, Func<int, int, TPixel> pixel)
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
                            row[x] = pixel((y * rows.Width) + x, 0);
                        }
                    }
                });
                target.Save(stream, encoder);
            }
        }
    }

    /// <summary>Clamps to [0,1] (NaN to 0) and rounds half away from zero to an integer level in [0, max].</summary>
    internal static int Quantize(float value, float max)
    {
        float clamped = float.IsNaN(value) ? 0f : Math.Clamp(value, 0f, 1f);
        return (int)MathF.Round(clamped * max, MidpointRounding.AwayFromZero);
    }
}
