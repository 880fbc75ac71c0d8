namespace Denoising.Flow.Cli.Batch;

/// <summary>
/// Checks that the manifests of one sharded run cover its input list exactly once: one list, one shard count, every shard
/// present once, every key once, no failures, and (optionally) every output still on disk with its recorded SHA-256.
/// </summary>
internal static class ManifestMerge
{
    internal sealed record Result(IReadOnlyList<string> Problems, int ListCount, int Done, int Failed, IReadOnlyList<ManifestEntry> Entries)
    {
        public bool Complete => Problems.Count == 0;
    }

    public static Result Check(IReadOnlyList<ShardManifest> manifests, bool verifyFiles)
    {
        var problems = new List<string>();
        if (manifests.Count == 0)
        {
            return new Result(["No manifests were given."], 0, 0, 0, []);
        }

        var first = manifests[0];
        foreach (var m in manifests.Where(m => m.ListSha256 != first.ListSha256 || m.ListCount != first.ListCount))
        {
            problems.Add($"Shard {m.ShardIndex}/{m.ShardCount} was run over a different input list ({m.ListCount} inputs, {Short(m.ListSha256)}) than shard {first.ShardIndex}/{first.ShardCount} ({first.ListCount} inputs, {Short(first.ListSha256)}).");
        }

        foreach (var m in manifests.Where(m => m.ShardCount != first.ShardCount))
        {
            problems.Add($"Shard {m.ShardIndex}/{m.ShardCount} has a different shard count than {first.ShardIndex}/{first.ShardCount}.");
        }

        var indexes = manifests.GroupBy(m => m.ShardIndex).ToDictionary(g => g.Key, g => g.Count());
        var missing = Enumerable.Range(0, first.ShardCount).Where(i => !indexes.ContainsKey(i)).ToArray();
        if (missing.Length > 0)
        {
            problems.Add($"Missing shard(s): {string.Join(", ", missing.Select(i => $"{i}/{first.ShardCount}"))}.");
        }

        problems.AddRange(indexes.Where(kv => kv.Value > 1).Select(kv => $"Shard {kv.Key}/{first.ShardCount} appears {kv.Value} times."));
        problems.AddRange(manifests.Where(m => !m.Completed).Select(m => $"Shard {m.ShardIndex}/{m.ShardCount} stopped before the end of its share (run it again)."));

        var entries = manifests.SelectMany(m => m.Entries).ToArray();
        var duplicates = entries.GroupBy(e => e.Key, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        if (duplicates.Length > 0)
        {
            problems.Add($"{duplicates.Length} input(s) appear in more than one shard, e.g. '{duplicates[0]}'.");
        }

        var keys = entries.Select(e => e.Key).Distinct(StringComparer.Ordinal).ToArray();
        if (problems.Count == 0 && (keys.Length != first.ListCount || InputList.Fingerprint(keys) != first.ListSha256))
        {
            problems.Add($"The shards hold {keys.Length} distinct inputs, but the list has {first.ListCount} (or other names): the union does not match the list.");
        }

        var failed = entries.Where(e => e.Status == ManifestEntry.Failed).ToArray();
        problems.AddRange(failed.Select(e => $"Failed: {e.Input}: {e.Error}"));

        if (verifyFiles)
        {
            foreach (var e in entries.Where(e => e.Status != ManifestEntry.Failed && e.Output is not null))
            {
                if (!File.Exists(e.Output))
                {
                    problems.Add($"Output missing: {e.Output}");
                }
                else if (DenoiseRun.Hash(File.ReadAllBytes(e.Output!)) != e.Sha256)
                {
                    problems.Add($"Output changed since it was written (SHA-256 differs): {e.Output}");
                }
            }
        }

        return new Result(problems, first.ListCount, entries.Length - failed.Length, failed.Length, entries.OrderBy(e => e.Key, StringComparer.Ordinal).ToArray());
    }

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] : sha;
}
