using System.Globalization;

namespace Denoising.Flow.Cli.Batch;

/// <summary>
/// Share <see cref="Index"/> of <see cref="Count"/> of a sorted input list: the items whose position p satisfies
/// p mod Count = Index. N workers with I = 0..N-1 cover the list exactly once without talking to each other.
/// </summary>
internal readonly record struct Shard(int Index, int Count)
{
    /// <summary>The whole list (one worker).</summary>
    public static Shard All { get; } = new(0, 1);

    /// <summary>Parses "I/N" (0 &lt;= I &lt; N). Kubernetes Indexed Jobs give I as JOB_COMPLETION_INDEX, Slurm as SLURM_ARRAY_TASK_ID.</summary>
    /// <exception cref="FormatException">The text is not I/N with 0 &lt;= I &lt; N.</exception>
    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count)
            || count < 1 || index >= count)
        {
            throw new FormatException($"--shard must be I/N with 0 <= I < N (for example 0/4), got '{text}'.");
        }

        return new Shard(index, count);
    }

    /// <summary>The items of this share, in list order.</summary>
    public IReadOnlyList<T> Select<T>(IReadOnlyList<T> sorted)
    {
        var mine = new List<T>();
        for (int p = Index; p < sorted.Count; p += Count)
        {
            mine.Add(sorted[p]);
        }

        return mine;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
