namespace Denoising.Flow.Cli.Batch;

/// <summary>
/// Where the shipped denoisers are: the models folder next to the tool (installed package, build output), else the
/// repository's models folder (dotnet run from a clone).
/// </summary>
internal static class ModelCatalog
{
    public const string Gray = "gray", Color = "color";

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

    /// <summary>The file of a shipped model ("gray" or "color").</summary>
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

    /// <summary>"gray", "color" or a path to a file.</summary>
    /// <exception cref="FileNotFoundException">The model does not exist.</exception>
    public static string Resolve(string model)
    {
        if (model.Equals(Gray, StringComparison.OrdinalIgnoreCase) || model.Equals(Color, StringComparison.OrdinalIgnoreCase))
        {
            return Shipped(model.ToLowerInvariant());
        }

        if (!File.Exists(model))
        {
            throw new FileNotFoundException($"Model file '{model}' does not exist (use gray, color or a .dnflow file).", model);
        }

        return Path.GetFullPath(model);
    }
}
