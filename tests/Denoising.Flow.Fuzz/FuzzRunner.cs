using System.Collections.Concurrent;
using System.Diagnostics;
using Denoising.Flow.Imaging;

namespace Denoising.Flow.Fuzz;

/// <summary>How one case ended.</summary>
public enum Outcome
{
    /// <summary>Decoded.</summary>
    Read,

    /// <summary>Refused with the library's <see cref="ImageReadException"/>.</summary>
    Refused,

    /// <summary>Any other exception: a defect.</summary>
    Unexpected,

    /// <summary>Still running after the timeout: a defect.</summary>
    Hang,

    /// <summary>The process's peak memory during the case passed the limit: a defect.</summary>
    OverMemory,
}

/// <summary>The counts of one format (or of all).</summary>
public sealed class FormatTally
{
    public int Cases { get; set; }

    public int Read { get; set; }

    public int Refused { get; set; }

    public int Unexpected { get; set; }

    public int Hangs { get; set; }

    public int OverMemory { get; set; }

    public long PeakBytes { get; set; }

    public double SlowestMs { get; set; }
}

/// <summary>A defect found: the case's file name (under the save folder) and what happened.</summary>
public sealed record Finding(string Format, string SeedName, int Case, Outcome Outcome, string What, string? SavedAs);

/// <summary>
/// Feeds mutated files to <see cref="ImageIO.Read(Stream, string, ImageReadOptions?, Microsoft.Extensions.Logging.ILogger?)"/>
/// one at a time on a worker thread, with a timeout per case and the process's peak memory per case (Linux:
/// the high-water mark is reset before each case through /proc/self/clear_refs).
/// </summary>
public sealed class FuzzRunner
{
    private readonly TimeSpan timeout;
    private readonly long memoryLimit;
    private readonly string? saveFolder;
    private readonly ImageReadOptions readOptions;
    private Worker worker;

    /// <param name="timeout">A case still running after this long is a hang.</param>
    /// <param name="memoryLimitBytes">A case whose process peak passes this is a finding.</param>
    /// <param name="saveFolder">Where the files of findings are written; none when null.</param>
    /// <param name="readOptions">The read options (the defaults users get when null).</param>
    public FuzzRunner(TimeSpan timeout, long memoryLimitBytes, string? saveFolder, ImageReadOptions? readOptions = null)
    {
        this.readOptions = readOptions ?? ImageReadOptions.Default;
        worker = new Worker(this.readOptions);
        this.timeout = timeout;
        memoryLimit = memoryLimitBytes;
        this.saveFolder = saveFolder;
        if (saveFolder is not null)
        {
            Directory.CreateDirectory(saveFolder);
        }
    }

    public Dictionary<string, FormatTally> Tallies { get; } = [];

    public List<Finding> Findings { get; } = [];

    /// <summary>Runs <paramref name="cases"/> cases, seeds taken in turn; stops early after <paramref name="maxHangs"/> endless reads.</summary>
    public void Run(IReadOnlyList<Seed> seeds, int cases, int randomSeed, int maxHangs = 3, Action<int>? progress = null, int from = 0, string? trace = null)
    {
        var random = new Random(randomSeed);
        for (int i = 0; i < cases; i++)
        {
            var seed = seeds[i % seeds.Count];
            byte[] bytes = Mutator.Mutate(seed, random);
            if (i < from)
            {
                continue; // Generated (the random stream is sequential) but not run.
            }

            if (trace is not null)
            {
                // The case about to run, written first: if the process dies (a native crash cannot be caught), it is there.
                File.WriteAllBytes(trace, bytes);
                File.WriteAllText(trace + ".case", $"{i} {seed.Name}");
            }

            RunCase(seed, i, bytes);
            progress?.Invoke(i + 1);
            if (Findings.Count(f => f.Outcome == Outcome.Hang && f.What.EndsWith("endless", StringComparison.Ordinal)) >= maxHangs)
            {
                return;
            }
        }
    }

    /// <summary>Reads one file: how it ended, the exception's message (or the timeout), and the process's peak memory.</summary>
    public (Outcome Outcome, string? What, long PeakBytes) ReadOne(byte[] bytes, string name)
    {
        PeakMemory.Reset();
        var task = worker.Start(bytes, name);
        if (!task.Wait(timeout))
        {
            worker = new Worker(readOptions);
            return (Outcome.Hang, $"still running after {timeout.TotalSeconds:0.#} s", PeakMemory.Read());
        }

        long peak = PeakMemory.Read();
        return task.Result switch
        {
            null => (peak > memoryLimit ? Outcome.OverMemory : Outcome.Read, null, peak),
            ImageReadException ex => (Outcome.Refused, ex.Message, peak),
            var ex => (Outcome.Unexpected, $"{ex.GetType().Name}: {ex.Message} {TopFrames(ex)}", peak),
        };
    }

    private void RunCase(Seed seed, int index, byte[] bytes)
    {
        var tally = Tally(seed.Format);
        tally.Cases++;
        PeakMemory.Reset();
        var clock = Stopwatch.StartNew();
        var task = worker.Start(bytes, $"case-{index}.{seed.Format}");
        if (!task.Wait(timeout))
        {
            // A hang by the definition; wait longer to tell a slow read (its memory is then released and the run goes
            // on cleanly) from an endless one (its thread cannot be stopped and is abandoned).
            tally.Hangs++;
            bool ended = task.Wait(Grace);
            Record(seed, index, bytes, Outcome.Hang, ended
                ? $"took {clock.Elapsed.TotalSeconds:0.0} s (ended: {Describe(task.Result)})"
                : $"still running after {clock.Elapsed.TotalSeconds:0} s: endless");
            if (!ended)
            {
                worker = new Worker(readOptions); // A background thread: it spins until the process ends.
            }

            return;
        }

        tally.SlowestMs = Math.Max(tally.SlowestMs, clock.Elapsed.TotalMilliseconds);
        long peak = PeakMemory.Read();
        tally.PeakBytes = Math.Max(tally.PeakBytes, peak);
        if (peak > memoryLimit)
        {
            tally.OverMemory++;
            Record(seed, index, bytes, Outcome.OverMemory, $"peak memory {peak / (1 << 20)} MB");
        }

        switch (task.Result)
        {
            case null:
                tally.Read++;
                break;
            case ImageReadException:
                tally.Refused++;
                break;
            case var ex:
                tally.Unexpected++;
                Record(seed, index, bytes, Outcome.Unexpected, $"{ex.GetType().Name}: {ex.Message} {TopFrames(ex)}");
                break;
        }
    }

    /// <summary>How long a case past the timeout is given to end before it is called endless.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(60);

    /// <summary>Where an unexpected exception came from: its first three stack frames.</summary>
    private static string TopFrames(Exception ex) =>
        "[" + string.Join(" <- ", (ex.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(3).Select(l => l.Trim())) + "]";

    private static string Describe(Exception? ex) => ex switch
    {
        null => "read",
        ImageReadException => "refused",
        _ => ex.GetType().Name,
    };

    private FormatTally Tally(string format)
    {
        if (!Tallies.TryGetValue(format, out var tally))
        {
            Tallies[format] = tally = new FormatTally();
        }

        return tally;
    }

    private void Record(Seed seed, int index, byte[] bytes, Outcome outcome, string what)
    {
        string? saved = null;
        if (saveFolder is not null)
        {
            saved = Path.Combine(saveFolder, $"{outcome.ToString().ToLowerInvariant()}-{index}-{seed.Name}.{seed.Format}");
            File.WriteAllBytes(saved, bytes);
        }

        Findings.Add(new Finding(seed.Format, seed.Name, index, outcome, what, saved));
    }

    /// <summary>A background thread that reads one case at a time; its task's result is the exception, or null.</summary>
    private sealed class Worker
    {
        private readonly ImageReadOptions options;
        private readonly BlockingCollection<(byte[] Bytes, string Name, TaskCompletionSource<Exception?> Done)> queue = new();

        public Worker(ImageReadOptions options)
        {
            this.options = options;
            var thread = new Thread(Loop) { IsBackground = true, Name = "fuzz-reader" };
            thread.Start();
        }

        public Task<Exception?> Start(byte[] bytes, string name)
        {
            var done = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
            queue.Add((bytes, name, done));
            return done.Task;
        }

        private void Loop()
        {
            foreach (var (bytes, name, done) in queue.GetConsumingEnumerable())
            {
                try
                {
                    using var image = ImageIO.Read(new MemoryStream(bytes, writable: false), name, options);
                    done.SetResult(null);
                }
                catch (Exception ex)
                {
                    done.SetResult(ex);
                }
            }
        }
    }
}

/// <summary>The process's resident-set high-water mark (Linux), resettable; 0 elsewhere.</summary>
public static class PeakMemory
{
    public static void Reset()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or not allowed: peaks are then since the start of the process.
        }
    }

    public static long Read() => Status("VmHWM:");

    /// <summary>The resident set now.</summary>
    public static long Resident() => Status("VmRSS:");

    private static long Status(string field)
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return 0;
    }
}
