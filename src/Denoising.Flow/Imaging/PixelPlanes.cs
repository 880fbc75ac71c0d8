using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Denoising.Flow.Imaging;

/// <summary>Decoded 16-bit pixels to planar float [C,H,W] data in [0,1] (value / 65535), row by row.</summary>
internal static class PixelPlanes
{
    private const float Max16 = 65535f;

    /// <summary>A gray image as one plane, or replicated into three when <paramref name="channels"/> is 3.</summary>
    public static float[] FromGray(Image<L16> image, int channels)
    {
        int plane = image.Width * image.Height;
        var result = new float[channels * plane];
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                var dst = result.AsSpan(y * rows.Width, rows.Width);
                for (int x = 0; x < row.Length; x++)
                {
                    dst[x] = row[x].PackedValue / Max16;
                }
            }
        });
        for (int c = 1; c < channels; c++)
        {
            result.AsSpan(0, plane).CopyTo(result.AsSpan(c * plane, plane));
        }

        return result;
    }

    /// <summary>A color image as R, G, B planes, or as one BT.601 luma plane when <paramref name="luma"/> is set.</summary>
    public static float[] FromColor(Image<Rgb48> image, bool luma)
    {
        int plane = image.Width * image.Height;
        var result = new float[(luma ? 1 : 3) * plane];
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                int offset = y * rows.Width;
                for (int x = 0; x < row.Length; x++)
                {
                    float r = row[x].R / Max16, g = row[x].G / Max16, b = row[x].B / Max16;
                    if (luma)
                    {
                        result[offset + x] = Math.Clamp((0.299f * r) + (0.587f * g) + (0.114f * b), 0f, 1f);
                    }
                    else
                    {
                        result[offset + x] = r;
                        result[plane + offset + x] = g;
                        result[(2 * plane) + offset + x] = b;
                    }
                }
            }
        });
        return result;
    }
}
