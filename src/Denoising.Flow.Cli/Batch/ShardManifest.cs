using System.Text.Json;
using System.Text.Json.Serialization;

namespace Denoising.Flow.Cli.Batch;

/// <summary>
/// What one <c>dnflow denoise</c> worker did with its share: written atomically to
/// OUT/.dnflow/manifest-I-of-N.json when the worker ends (also after Ctrl+C or SIGTERM).
/// </summary>
internal sealed record ShardManifest
{
    public const string Folder = ".dnflow";

    public int FormatVersion { get; init; } = 1;

    public string Tool { get; init; } = "dnflow";

    public string ToolVersion { get; init; } = "";

    public int ShardIndex { get; init; }

    public int ShardCount { get; init; }

    /// <summary>Inputs in the whole sorted list (all shards).</summary>
    public int ListCount { get; init; }

    /// <summary>SHA-256 of the whole list's keys (<see cref="InputList.Fingerprint"/>).</summary>
    public string ListSha256 { get; init; } = "";

    public string OutputFolder { get; init; } = "";

    public DateTimeOffset Started { get; init; }

    public DateTimeOffset Finished { get; init; }

    public double Seconds { get; init; }

    public bool Completed { get; init; }

    public IReadOnlyList<ManifestEntry> Entries { get; init; } = [];

    [JsonIgnore]
    public IEnumerable<ManifestEntry> Failures => Entries.Where(e => e.Status == ManifestEntry.Failed);

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string FileName(Shard shard) => $"manifest-{shard.Index}-of-{shard.Count}.json";

    public void Write(string path) => AtomicFile.Write(path, s => JsonSerializer.Serialize(s, this, JsonOptions));

    /// <exception cref="InvalidDataException">Not a manifest.</exception>
    public static ShardManifest Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<ShardManifest>(File.ReadAllText(path), JsonOptions)
                ?? throw new InvalidDataException($"'{path}' is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"'{path}' is not a dnflow manifest: {ex.Message}", ex);
        }
    }
}

/// <summary>One input of a shard.</summary>
internal sealed record ManifestEntry
{
    public const string Denoised = "denoised", Existing = "existing", Failed = "failed";

    public string Key { get; init; } = "";

    public string Input { get; init; } = "";

    public string? Output { get; init; }

    /// <summary><see cref="Denoised"/>, <see cref="Existing"/> (a complete output from an earlier run was kept) or <see cref="Failed"/>.</summary>
    public string Status { get; init; } = "";

    public string? Sha256 { get; init; }

    public long? Bytes { get; init; }

    public double Seconds { get; init; }

    public string? Model { get; init; }

    public string? Error { get; init; }
}
