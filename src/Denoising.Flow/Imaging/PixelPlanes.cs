using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Imaging;

/// <summary>
/// Decoded pixels straight into a float32 [C,H,W] tensor with values in [0,1] (8-bit value / 255, 16-bit value / 65535),
/// one row at a time: the only image-sized buffers are the decoder's pixels (1 to 6 bytes per pixel) and the tensor.
/// </summary>
internal static class PixelPlanes
{
    /// <summary>k / 255 for every 8-bit value, exactly as the division gives it.</summary>
    private static readonly float[] Scale8 = Enumerable.Range(0, 256).Select(k => k / 255f).ToArray();

    /// <summary>k / 65535 for every 16-bit value.</summary>
    private static readonly float[] Scale16 = Enumerable.Range(0, 65536).Select(k => k / 65535f).ToArray();

    /// <summary>At most this many floats (4 MB) are converted before they are copied into the tensor.</summary>
    private const long BandFloats = 1 << 20;

    private delegate void RowConverter<TPixel>(ReadOnlySpan<TPixel> row, float[][] planes);

    /// <summary>An 8-bit gray image as one plane, or replicated into three when <paramref name="channels"/> is 3.</summary>
    public static Tensor FromGray(Image<L8> image, int channels) => Fill(image, channels, gray: true, static (row, planes) =>
    {
        var plane = planes[0];
        for (int x = 0; x < row.Length; x++)
        {
            plane[x] = Scale8[row[x].PackedValue];
        }
    });

    /// <summary>A 16-bit gray image as one plane, or replicated into three when <paramref name="channels"/> is 3.</summary>
    public static Tensor FromGray(Image<L16> image, int channels) => Fill(image, channels, gray: true, static (row, planes) =>
    {
        var plane = planes[0];
        for (int x = 0; x < row.Length; x++)
        {
            plane[x] = Scale16[row[x].PackedValue];
        }
    });

    /// <summary>An 8-bit color image as R, G, B planes, or as one BT.601 luma plane when <paramref name="luma"/> is set.</summary>
    public static Tensor FromColor(Image<Rgb24> image, bool luma) => Fill(image, luma ? 1 : 3, gray: false, static (row, planes) =>
    {
        for (int x = 0; x < row.Length; x++)
        {
            Store(planes, x, Scale8[row[x].R], Scale8[row[x].G], Scale8[row[x].B]);
        }
    });

    /// <summary>A 16-bit color image as R, G, B planes, or as one BT.601 luma plane when <paramref name="luma"/> is set.</summary>
    public static Tensor FromColor(Image<Rgb48> image, bool luma) => Fill(image, luma ? 1 : 3, gray: false, static (row, planes) =>
    {
        for (int x = 0; x < row.Length; x++)
        {
            Store(planes, x, Scale16[row[x].R], Scale16[row[x].G], Scale16[row[x].B]);
        }
    });

    /// <summary>One pixel into three planes, or its luma into one.</summary>
    private static void Store(float[][] planes, int x, float r, float g, float b)
    {
        if (planes.Length == 1)
        {
            planes[0][x] = Math.Clamp((0.299f * r) + (0.587f * g) + (0.114f * b), 0f, 1f);
        }
        else
        {
            planes[0][x] = r;
            planes[1][x] = g;
            planes[2][x] = b;
        }
    }

    /// <summary>
    /// Converts the rows into a band buffer of a few megabytes and copies each full band into the tensor. A gray
    /// converter fills plane 0 only; it is replicated into the other channels.
    /// </summary>
    private static Tensor Fill<TPixel>(Image<TPixel> image, int channels, bool gray, RowConverter<TPixel> convert)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        int width = image.Width, height = image.Height;
        int planes = gray ? 1 : channels;
        int bandRows = (int)Math.Clamp(BandFloats / ((long)width * planes), 1, height);
        var band = new float[(long)planes * bandRows * width];
        var rows = new float[planes][];
        for (int c = 0; c < planes; c++)
        {
            rows[c] = new float[width];
        }

        var tensor = torch.empty([channels, height, width], ScalarType.Float32);
        try
        {
            using var staging = torch.empty([planes, bandRows, width], ScalarType.Float32);
            image.ProcessPixelRows(accessor =>
            {
                for (int y0 = 0; y0 < height; y0 += bandRows)
                {
                    int n = Math.Min(bandRows, height - y0);
                    for (int y = 0; y < n; y++)
                    {
                        convert(accessor.GetRowSpan(y0 + y), rows);
                        for (int c = 0; c < planes; c++)
                        {
                            rows[c].CopyTo(band, ((c * bandRows) + y) * (long)width);
                        }
                    }

                    // Every temporary of the band (views, the expanded gray plane) is disposed with the scope.
                    using var scope = torch.NewDisposeScope();
                    staging.bytes = MemoryMarshal.AsBytes(band.AsSpan());
                    var source = staging.narrow(1, 0, n);
                    tensor.narrow(1, y0, n).copy_(gray ? source.expand(channels, n, width) : source);
                }
            });
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }
}
