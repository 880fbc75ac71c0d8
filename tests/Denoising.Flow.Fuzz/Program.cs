using System.Diagnostics;
using System.Globalization;
using Denoising.Flow.Fuzz;
using Denoising.Flow.Imaging;

// Mutation fuzzer of ImageIO.Read. Usage (docs/reliability.md):
//   dotnet run -c Release --project tests/Denoising.Flow.Fuzz -- [--cases 100000] [--seed 1] [--format all|png|jpg|...]
//       [--timeout-seconds 5] [--memory-limit-mb 2048] [--save out/fuzz] [--max-pixels 100000000]
//       [--from N] [--trace FILE]   (run cases N.. only; write each case to FILE before it runs, to catch native crashes)
//   ... -- --read FILE|FOLDER [--repeat N]   reads each file: outcome, seconds, peak memory (then N more reads and what stays)
// Exit code 0 when no case hung, threw anything but ImageReadException, or read above the memory limit.
var options = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(p => p.a[2..], p => p.i + 1 < args.Length ? args[p.i + 1] : "");
string Get(string key, string fallback) => options.TryGetValue(key, out var v) ? v : fallback;
int cases = int.Parse(Get("cases", "100000"), CultureInfo.InvariantCulture);
int seed = int.Parse(Get("seed", "1"), CultureInfo.InvariantCulture);
string format = Get("format", "all");
double timeout = double.Parse(Get("timeout-seconds", "5"), CultureInfo.InvariantCulture);
long memoryLimit = long.Parse(Get("memory-limit-mb", "2048"), CultureInfo.InvariantCulture) << 20;
string save = Get("save", "out/fuzz");
long maxPixels = long.Parse(Get("max-pixels", ImageReadOptions.DefaultMaxPixels.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

TorchSharp.torch.set_num_threads(1);
if (options.TryGetValue("read", out string? readPath))
{
    // One file or every file of a folder, each read once: outcome, time and the process's peak memory.
    var files = Directory.Exists(readPath) ? Directory.GetFiles(readPath).Order(StringComparer.Ordinal).ToArray() : [readPath];
    Console.WriteLine("| file | bytes | outcome | seconds | peak memory (MB) |");
    Console.WriteLine("| --- | --- | --- | --- | --- |");
    bool bad = false;
    foreach (string file in files)
    {
        var one = new FuzzRunner(TimeSpan.FromSeconds(timeout), memoryLimit, saveFolder: null, new ImageReadOptions { MaxPixels = maxPixels });
        var watch = Stopwatch.StartNew();
        var (outcome, what, peak) = one.ReadOne(File.ReadAllBytes(file), Path.GetFileName(file));
        bad |= outcome is Outcome.Hang or Outcome.Unexpected or Outcome.OverMemory;
        Console.WriteLine($"| {Path.GetFileName(file)} | {new FileInfo(file).Length} | {outcome}{(what is null ? "" : ": " + what)} | {watch.Elapsed.TotalSeconds:0.00} | {peak >> 20} |");
    }

    if (options.TryGetValue("repeat", out string? repeatText))
    {
        // The same files read again N times, then a full collection: what the process still holds.
        int repeat = int.Parse(repeatText, CultureInfo.InvariantCulture);
        var again = new FuzzRunner(TimeSpan.FromSeconds(timeout), long.MaxValue, saveFolder: null, new ImageReadOptions { MaxPixels = maxPixels });
        for (int i = 0; i < repeat; i++)
        {
            foreach (string file in files)
            {
                again.ReadOne(File.ReadAllBytes(file), Path.GetFileName(file));
            }
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Console.WriteLine($"after {repeat} more read(s) of each and a full GC: the process holds {PeakMemory.Resident() >> 20} MB (peak {PeakMemory.Read() >> 20} MB)");
    }

    return bad ? 1 : 0;
}

var seeds = format == "all" ? SeedImages.All : SeedImages.Of(format);
if (seeds.Count == 0)
{
    Console.Error.WriteLine($"No seeds for format '{format}' (png, jpg, gif, bmp, tga, tif, webp or all).");
    return 2;
}

Console.WriteLine($"fuzz: {cases} cases over {seeds.Count} seeds ({string.Join(", ", seeds.Select(s => s.Name))}), random seed {seed}, MaxPixels {maxPixels}, timeout {timeout} s, memory limit {memoryLimit >> 20} MB");
var runner = new FuzzRunner(TimeSpan.FromSeconds(timeout), memoryLimit, save, new ImageReadOptions { MaxPixels = maxPixels });
var clock = Stopwatch.StartNew();
int from = int.Parse(Get("from", "0"), CultureInfo.InvariantCulture);
string? trace = options.TryGetValue("trace", out var traceFile) ? traceFile : null;
runner.Run(seeds, cases, seed, from: from, trace: trace, progress: n =>
{
    if (n % 10_000 == 0)
    {
        Console.WriteLine($"  {n} cases, {clock.Elapsed.TotalSeconds:0} s");
    }
});

Console.WriteLine();
Console.WriteLine("| format | cases | read | refused (ImageReadException) | other exceptions | hangs > timeout | over memory limit | peak memory per read (MB) | slowest case (ms) |");
Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
foreach (var (name, t) in runner.Tallies.OrderBy(p => p.Key, StringComparer.Ordinal))
{
    Console.WriteLine($"| {name} | {t.Cases} | {t.Read} | {t.Refused} | {t.Unexpected} | {t.Hangs} | {t.OverMemory} | {t.PeakBytes >> 20} | {t.SlowestMs:0} |");
}

int total = runner.Tallies.Values.Sum(t => t.Cases);
Console.WriteLine($"{total} cases in {clock.Elapsed.TotalSeconds:0} s; {runner.Findings.Count} finding(s)");
foreach (var finding in runner.Findings.Take(50))
{
    Console.WriteLine($"  {finding.Outcome} case {finding.Case} ({finding.SeedName}): {finding.What}{(finding.SavedAs is null ? "" : " -> " + finding.SavedAs)}");
}

return runner.Findings.Count == 0 ? 0 : 1;
