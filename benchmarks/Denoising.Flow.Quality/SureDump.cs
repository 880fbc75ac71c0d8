using System.Text.Json;
using static TorchSharp.torch;

namespace Denoising.Flow.Quality;

/// <summary>
/// Diagnostic (evaluate --dump-sure DIR): writes, per noise level and image, the noisy and clean images and SURE tuning's candidates
/// (each scale's output and divergence map) as raw little-endian float32 files with a JSON index, so that ways of combining the
/// candidates can be compared outside the library on identical network outputs. Grayscale models and images only.
/// </summary>
internal static class SureDump
{
    public static void Write(string dir, Denoiser denoiser, Tensor noisy, Tensor clean, double sigma, int index, DenoiseOptions options)
    {
        if (denoiser.Channels != 1 || noisy.shape[0] != 1) throw new ArgumentException("--dump-sure takes a grayscale model and grayscale images.");
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        var batch = noisy.unsqueeze(0);
        double level = Noise.NoiseLevelEstimator.EstimateBatch(batch)[0];
        var levels = tensor(new[] { level / 255.0 }, dtype: float32);
        string prefix = Path.Combine(dir, $"s{sigma:G3}-{index:D2}");
        Directory.CreateDirectory(dir);
        Raw(prefix + "-noisy.f32", noisy);
        Raw(prefix + "-clean.f32", clean);
        var scales = new List<double>();
        foreach (var c in denoiser.SureCandidates(batch, levels, options with { SureTuning = true }))
        {
            Raw(prefix + $"-out{scales.Count}.f32", c.Output);
            Raw(prefix + $"-div{scales.Count}.f32", c.Divergence);
            scales.Add(c.Scale);
        }
        File.WriteAllText(prefix + ".json", JsonSerializer.Serialize(new { sigma, level, height = noisy.shape[1], width = noisy.shape[2], scales }));
    }

    private static void Raw(string path, Tensor t)
    {
        var values = t.to(float32).contiguous().cpu().data<float>().ToArray();
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        File.WriteAllBytes(path, bytes);
    }
}
