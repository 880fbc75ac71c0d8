using Denoising.Flow.Imaging;

/// <summary>The QuickStart's data: ../shared/data when found (train400 + set12), else the bundled Kodak crops.</summary>
internal sealed record SampleData(string Description, IReadOnlyList<string> Clean, IReadOnlyList<string> Noisy, IReadOnlyList<string> Test)
{
    public static SampleData Find(string? explicitFolder)
    {
        string? shared = explicitFolder ?? Environment.GetEnvironmentVariable("DENOISING_FLOW_DATA") ?? SearchUpwards();
        if (shared is not null && Directory.Exists(Path.Combine(shared, "train400")) && Directory.Exists(Path.Combine(shared, "set12")))
        {
            var train = ImageIO.ListImages(Path.Combine(shared, "train400"));
            var set12 = ImageIO.ListImages(Path.Combine(shared, "set12"));
            return new SampleData(
                $"{Path.GetFullPath(shared)}: prior on train400 001-200 (clean), denoiser on 201-400 (synthetic noise), test on Set12 01-03",
                train.Take(200).ToArray(), train.Skip(200).Take(200).ToArray(), set12.Take(3).ToArray());
        }
        string bundled = Path.Combine(AppContext.BaseDirectory, "images");
        var files = ImageIO.ListImages(bundled);
        string F(string n) => files.Single(f => Path.GetFileName(f) == $"kodim{n}.png");
        return new SampleData(
            $"bundled Kodak crops in {bundled} (no ../shared/data found): prior on 5 clean images, denoiser on 5 other noisy images, test on 2 more",
            new[] { "01", "03", "04", "05", "07" }.Select(F).ToArray(),
            new[] { "08", "12", "13", "15", "19" }.Select(F).ToArray(),
            new[] { "20", "23" }.Select(F).ToArray());
    }

    private static string? SearchUpwards()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "data"), Path.Combine(dir.FullName, "..", "shared", "data") })
                {
                    if (Directory.Exists(Path.Combine(candidate, "train400"))) return Path.GetFullPath(candidate);
                }
            }
        }
        return null;
    }
}
