using System.Globalization;

namespace Denoising.Flow.Quality;

/// <summary>"--key value" and "--flag" command-line options; every option must be consumed, so typos fail loudly.</summary>
internal sealed class Args
{
    private readonly Dictionary<string, string?> values = new(StringComparer.Ordinal);
    private readonly HashSet<string> used = new(StringComparer.Ordinal);

    public Args(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"Unexpected argument '{list[i]}' (options look like --name value).");
            string key = list[i][2..];
            string? value = i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal) ? list[++i] : null;
            values[key] = value;
        }
    }

    public string? Text(string key)
    {
        used.Add(key);
        return values.TryGetValue(key, out var v) ? v ?? throw new ArgumentException($"--{key} needs a value.") : null;
    }

    public string Text(string key, string fallback) => Text(key) ?? fallback;

    public bool Flag(string key)
    {
        used.Add(key);
        return values.ContainsKey(key);
    }

    public int Int(string key, int fallback) => Text(key) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public long? Long(string key) => Text(key) is { } v ? long.Parse(v, CultureInfo.InvariantCulture) : null;

    public double Double(string key, double fallback) => Text(key) is { } v ? Parse(v) : fallback;

    public double? Double(string key) => Text(key) is { } v ? Parse(v) : null;

    public IReadOnlyList<double> Doubles(string key, string fallback) => Text(key, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Parse).ToArray();

    public void EnsureAllUsed()
    {
        var unknown = values.Keys.Where(k => !used.Contains(k)).ToList();
        if (unknown.Count > 0) throw new ArgumentException("Unknown option(s): " + string.Join(", ", unknown.Select(k => "--" + k)));
    }

    public static double Parse(string v) => double.Parse(v, CultureInfo.InvariantCulture);
}
