namespace Denoising.Flow.Tests.TestSupport;

/// <summary>The project's data folder (../shared/data beside the repository), which a fresh clone does not have.</summary>
public static class SharedData
{
    /// <summary>The folder, or null when it is not there.</summary>
    public static string? Folder { get; } = Find();

    public const string MissingReason = "../shared/data was not found beside the repository: real-image tests need it (a fresh clone does not have it).";

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(Path.Combine(candidate, "set12"))) return candidate;
        }
        return null;
    }
}
