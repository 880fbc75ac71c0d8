using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Persistence;

/// <summary>
/// What loading a model or checkpoint file may cost at most. A model file is data, never code, but its checksum only catches
/// damage (anyone can recompute it), so a crafted file is checked before anything large is allocated: its size, the parameter
/// count its architecture declares, the weights' shapes (strict load) and their values (finite).
/// </summary>
internal static class ModelLimits
{
    /// <summary>Largest file read (1 GiB); checked before reading.</summary>
    public const long MaxFileBytes = 1L << 30;

    /// <summary>Largest parameter count an architecture in a file may declare (50 million, 200 MB of float32 weights).</summary>
    public const long MaxParameters = 50_000_000;

    /// <summary>Refuses an architecture that would hold more than <see cref="MaxParameters"/> parameters, before it is built.</summary>
    public static void CheckParameterCount(string path, double parameters)
    {
        if (!(parameters <= MaxParameters))
            throw new CheckpointException(path, $"its architecture declares about {parameters / 1e6:F0} million parameters, more than the {MaxParameters / 1_000_000} million a model file may hold.");
    }

    /// <summary>Refuses weights holding NaN or infinite values.</summary>
    public static void CheckFinite(string path, nn.Module module)
    {
        foreach (var (name, p) in module.named_parameters())
        {
            if (!isfinite(p).all().item<bool>()) throw new CheckpointException(path, $"its weights hold NaN or infinite values ({name}).");
        }
    }

    /// <summary>Runs <paramref name="load"/>, turning any failure that is not already typed into a <see cref="CheckpointException"/>.</summary>
    public static T Guard<T>(string path, Func<T> load)
    {
        try
        {
            return load();
        }
        catch (Exception e) when (e is not (CheckpointException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or OperationCanceledException))
        {
            throw new CheckpointException(path, "it cannot be loaded: " + e.Message, e);
        }
    }
}
