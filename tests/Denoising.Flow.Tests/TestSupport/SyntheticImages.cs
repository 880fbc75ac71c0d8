using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.TestSupport;

/// <summary>Piecewise-smooth grayscale images with a little texture, seeded: small stand-ins for photographs.</summary>
public static class SyntheticImages
{
    /// <summary><paramref name="count"/> images [1, size, size] in [0, 1], float32.</summary>
    public static Tensor[] Create(int count, int size, int seed)
    {
        var random = new Random(seed);
        var result = new Tensor[count];
        var ys = linspace(0, 1, size).view(size, 1).expand(size, size);
        var xs = linspace(0, 1, size).view(1, size).expand(size, size);
        for (int i = 0; i < count; i++)
        {
            using var scope = NewDisposeScope();
            var image = (ys * (random.NextDouble() - 0.5) * 0.4 + xs * (random.NextDouble() - 0.5) * 0.4 + 0.3 + 0.4 * random.NextDouble());
            for (int s = 0; s < 4; s++)
            {
                double cy = random.NextDouble(), cx = random.NextDouble(), r = 0.1 + 0.25 * random.NextDouble();
                var disc = ((ys - cy).square() + (xs - cx).square()) < r * r;
                image = where(disc, full_like(image, 0.1 + 0.8 * random.NextDouble()), image);
            }
            double f = 6 + 10 * random.NextDouble();
            image = image + 0.03 * (xs * f * 2 * Math.PI).sin() * (ys * f * 2 * Math.PI).cos();
            result[i] = image.clamp(0, 1).unsqueeze(0).to(ScalarType.Float32).contiguous().MoveToOuterDisposeScope();
        }
        return result;
    }
}
