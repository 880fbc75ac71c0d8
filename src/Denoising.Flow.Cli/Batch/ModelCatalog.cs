namespace Denoising.Flow.Cli.Batch;

/// <summary>
/// Where the shipped denoisers are: the models folder next to the tool (installed package, build output), else the
/// repository's models folder (dotnet run from a clone).
/// </summary>
internal static class ModelCatalog
{
    /// <summary>The shipped models: the fast grayscale and color ResNets 10x32, and the larger grayscale ResNet 16x64.</summary>
    public const string Gray = "gray", Color = "color", GrayLarge = "gray-large";

    private static readonly string[] Names = { Gray, Color, GrayLarge };

    /// <summary>The folders searched, in order.</summary>
    public static IEnumerable<string> Folders()
    {
        yield return Path.Combine(AppContext.BaseDirectory, "models");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Denoising.Flow.sln")))
            {
                yield return Path.Combine(dir.FullName, "models");
                yield break;
            }
        }
    }

    /// <summary>The file of a shipped model ("gray", "color" or "gray-large").</summary>
    /// <exception cref="FileNotFoundException">Not found in any folder.</exception>
    public static string Shipped(string name)
    {
        string file = $"denoiser-{name}.dnflow";
        foreach (string folder in Folders())
        {
            string path = Path.Combine(folder, file);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException($"The shipped model '{file}' was not found (looked in {string.Join(", ", Folders())}). Give a model file with --model PATH.", file);
    }

    /// <summary>"gray", "color", "gray-large" or a path to a file.</summary>
    /// <exception cref="FileNotFoundException">The model does not exist.</exception>
    public static string Resolve(string model)
    {
        if (Names.FirstOrDefault(n => n.Equals(model, StringComparison.OrdinalIgnoreCase)) is { } name)
        {
            return Shipped(name);
        }

        if (!File.Exists(model))
        {
            throw new FileNotFoundException($"Model file '{model}' does not exist (use gray, color, gray-large or a .dnflow file).", model);
        }

        return Path.GetFullPath(model);
    }
}
