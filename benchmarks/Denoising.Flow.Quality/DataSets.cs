using Denoising.Flow.Imaging;

namespace Denoising.Flow.Quality;

/// <summary>Finds ../shared/data and selects image files by 1-based index ranges of the sorted folder listing.</summary>
internal static class DataSets
{
    public static string SharedData()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "data");
                if (Directory.Exists(Path.Combine(candidate, "train400"))) return candidate;
            }
        }
        throw new DirectoryNotFoundException("../shared/data was not found (looked upwards from the current folder and the program). Pass folders explicitly.");
    }

    /// <summary>Files of <paramref name="folder"/>; <paramref name="range"/> "a-b" keeps the a-th to b-th (1-based, inclusive).</summary>
    public static IReadOnlyList<string> Select(string folder, string? range)
    {
        var files = ImageIO.ListImages(folder);
        if (range is null) return files;
        var parts = range.Split('-');
        int from = int.Parse(parts[0]), to = int.Parse(parts[1]);
        if (from < 1 || to > files.Count || from > to) throw new ArgumentException($"Range {range} does not fit the {files.Count} images of {folder}.");
        return files.Skip(from - 1).Take(to - from + 1).ToArray();
    }

    /// <summary>Repository root (the folder holding Denoising.Flow.sln), for the shipped models.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Denoising.Flow.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
