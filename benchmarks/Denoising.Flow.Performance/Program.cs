// Denoising.Flow performance benchmark: the library against the same layers written in plain TorchSharp, in one run.
//   dotnet run -c Release --project benchmarks/Denoising.Flow.Performance -- [run] [--quick] [--threads 1] [--steps 30] [--rounds 3]
//   ... -- mallopt [--rounds 3] [--steps 20]   the allocator tuning on and off (DENOISING_FLOW_MALLOPT=0), child processes
//   ... -- probe [--steps 30]                  forward/backward phases of the prior step under variants (backward speed)
// See docs/performance.md for the numbers and what they mean.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Denoising.Flow;
using Denoising.Flow.Performance;
using TorchSharp;

var options = Options.Parse(args);
if (options.Help)
{
    Console.WriteLine("usage: [run|mallopt|probe] [--quick] [--color] [--threads N] [--steps N] [--rounds N] [--models DIR] [--no-safe-padding] [--only CASE]");
    return 0;
}

// The allocator tuning the library applies at its first native use; applied here first so that the plain side has it too.
var allocator = NativeAllocator.Configure();
torch.set_num_threads(options.Threads);
var cases = new Cases(options.Models, options.Steps, options.SafePadding);

if (options.Only is { } only)
{
    var sample = RunCase(cases, only);
    Console.WriteLine(JsonSerializer.Serialize(new { Case = only, Allocator = allocator.ToString(), sample.Ms, sample.FaultsPerStep, sample.PeakMiB, Phases = sample.PhasesMs.Select(p => Math.Round(p, 2)) }));
    return 0;
}

Console.WriteLine($"Denoising.Flow performance: torch {torch.__version__}, {torch.get_num_threads()} intra-op thread(s), {Environment.ProcessorCount} cores seen, "
    + $"allocator tuning {allocator}, SafeConvolution padding {(options.SafePadding ? "on" : "OFF (probe only: results may be wrong on Zen 5)")}");

return options.Verb switch
{
    "mallopt" => CompareAllocator(options),
    "probe" => Probe(cases, new Cases(options.Models, options.Steps, safePadding: false)),
    _ => RunAll(cases, options),
};

static Sample RunCase(Cases cases, string name) => name switch
{
    "prior-library" => cases.LibraryPrior(),
    "prior-plain" => cases.PlainPrior(),
    "prior-layers" => cases.PlainPriorCore(useLibraryLayers: true),
    "denoiser-library" => cases.LibraryDenoiser(),
    "denoiser-plain" => cases.PlainDenoiserStep(),
    "noise24mp-library" => Cases.LibraryNoiseEstimate(4000, 6000),
    "noise24mp-plain" => Cases.FullSortNoiseEstimate(4000, 6000),
    _ when name.StartsWith("infer", StringComparison.Ordinal) => Inference(cases, name),
    _ when name.StartsWith("wiener", StringComparison.Ordinal) => Wiener(name),
    _ when name.StartsWith("htpilot", StringComparison.Ordinal) => Cases.HardThresholdingPilot(long.Parse(name["htpilot".Length..], CultureInfo.InvariantCulture), 3),
    _ => throw new ArgumentException($"Unknown case '{name}'."),
};

// wiener<side> / wienercolor<side>: the Wiener refinement alone (gray, or three channels filtered together)
// htpilot<side>: the refinement with the hard-thresholding pilot (BM3D's first stage, then the Wiener stage with two pilots), gray
static Sample Wiener(string name)
{
    bool color = name.StartsWith("wienercolor", StringComparison.Ordinal);
    long side = long.Parse(name[(color ? "wienercolor" : "wiener").Length..], CultureInfo.InvariantCulture);
    return Cases.WienerRefinement(side, side, side <= 512 ? 3 : 1, color ? 3 : 1);
}

static Sample Inference(Cases cases, string name)
{
    // infer<side>-library / infer<side>-plain, e.g. infer512-library
    if (name.StartsWith("infercolor", StringComparison.Ordinal))
    {
        // infercolor<side>-library / -plain: a color image through the gray model (3 planes)
        var colorParts = name["infercolor".Length..].Split('-');
        long s = long.Parse(colorParts[0], CultureInfo.InvariantCulture);
        return colorParts[1] == "plain" ? cases.PlainInference(s, s, 2, channels: 3) : cases.LibraryInference(s, s, 2, channels: 3);
    }
    var parts = name["infer".Length..].Split('-');
    var (height, width) = parts[0] == "24mp" ? (4000L, 6000L) : (long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[0], CultureInfo.InvariantCulture));
    int reps = height * width <= 512 * 512 ? 10 : height * width <= 1024 * 1024 ? 2 : 1;
    return parts[1] == "plain" ? cases.PlainInference(height, width, reps) : cases.LibraryInference(height, width, reps);
}

static int RunAll(Cases cases, Options options)
{
    double roofline = Cases.ConvRoofline();
    Console.WriteLine($"Roofline: 3x3 conv 32->32 on 256x256, forward: {roofline:F1} GFLOP/s ({torch.get_num_threads()} thread(s))");
    Console.WriteLine($"Agreement: max |library - plain| of tiled inference on a 300x280 image: {cases.InferenceAgreement():G3}");
    var rows = new List<Row>();

    // Every side runs in a fresh child process (its peak memory is its own), the two sides alternated round by round.
    Func<Sample> Side(string name) => () => Child(name, null, options);
    rows.Add(Alternate("prior step (Glow L3 K8 w64, 32 x 32x32)", options.Rounds, Side("prior-library"), Side("prior-plain"), Cases.PriorStepFlops));
    rows.Add(Alternate("denoiser step (10x32, 16 x 40x40)", options.Rounds, Side("denoiser-library"), Side("denoiser-plain"), Cases.DenoiserStepFlops));
    rows.Add(Alternate("inference 256x256", options.Rounds, Side("infer256-library"), Side("infer256-plain"), 256 * 256 * Cases.DenoiserFlopsPerPixel()));
    rows.Add(Alternate("inference 1024x1024", options.Rounds, Side("infer1024-library"), Side("infer1024-plain"), 1024 * 1024 * Cases.DenoiserFlopsPerPixel()));
    if (options.Color)
    {
        // The plain side runs the 3 planes as one batch: 34.6 MB per layer, over the 32 MiB bound (one round: it is slow).
        rows.Add(Alternate("inference color 512x512, gray model", 1, Side("infercolor512-library"), Side("infercolor512-plain"), 3 * 512 * 512 * Cases.DenoiserFlopsPerPixel()));
    }
    // Not library against plain: the Wiener refinement against one pass of the 10x32 network on the same image (its cost in passes).
    rows.Add(Alternate("Wiener refinement 256x256 (plain column: one 10x32 pass)", options.Rounds, Side("wiener256"), Side("infer256-library"), double.NaN));
    rows.Add(Alternate("Wiener refinement with the hard-thresholding pilot 256x256 (plain column: one 10x32 pass)", options.Rounds, Side("htpilot256"), Side("infer256-library"), double.NaN));
    if (!options.Quick)
    {
        rows.Add(Alternate("inference 24 MP (6000x4000)", 1, Side("infer24mp-library"), Side("infer24mp-plain"), 6000.0 * 4000 * Cases.DenoiserFlopsPerPixel()));
        rows.Add(Alternate("noise estimate 24 MP (plain = old full sort)", 1, Side("noise24mp-library"), Side("noise24mp-plain"), double.NaN));
    }

    Console.WriteLine();
    Console.WriteLine($"| case | library ms | plain TorchSharp ms | library / plain | library GFLOP/s | of conv roofline | peak MiB library / plain | minor faults per step library / plain |");
    Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
    foreach (var r in rows)
    {
        double gflops = r.Flops / (r.Library.Ms / 1000) / 1e9;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {r.Name} | {r.Library.Ms:F1} | {r.Plain.Ms:F1} | **{r.Ratio:F2}** | {(double.IsNaN(gflops) ? "-" : gflops.ToString("F1", CultureInfo.InvariantCulture))} | {(double.IsNaN(gflops) ? "-" : (gflops / roofline).ToString("P0", CultureInfo.InvariantCulture))} | {r.Library.PeakMiB:F0} / {r.Plain.PeakMiB:F0} | {r.Library.FaultsPerStep:F0} / {r.Plain.FaultsPerStep:F0} |"));
    }
    Console.WriteLine();
    Console.WriteLine($"library / plain: median over rounds of the ratio within a round. Medians of {options.Rounds} rounds (sides alternated; 24 MP: one round), {options.Steps} timed steps per training round in blocks of {Cases.Block}; "
        + "each side a fresh process, peak = its VmHWM (model loading included); GFLOP/s count the convolutions' useful work (2 x MACs, training = 3 x forward).");
    return 0;
}

static Row Alternate(string name, int rounds, Func<Sample> library, Func<Sample> plain, double flops)
{
    var lib = new List<Sample>();
    var pla = new List<Sample>();
    for (int r = 0; r < rounds; r++)
    {
        if (r % 2 == 0)
        {
            lib.Add(library());
            pla.Add(plain());
        }
        else
        {
            pla.Add(plain());
            lib.Add(library());
        }
        GC.Collect();
    }
    var row = new Row(name, Combine(lib), Combine(pla), flops, Measure.Median(lib.Zip(pla, (l, p) => l.Ms / p.Ms)));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  {name}: library {string.Join(" ", lib.Select(s => s.Ms.ToString("F1", CultureInfo.InvariantCulture)))} ms, plain {string.Join(" ", pla.Select(s => s.Ms.ToString("F1", CultureInfo.InvariantCulture)))} ms"));
    return row;
}

static Sample Combine(List<Sample> s) =>
    new(Measure.Median(s.Select(x => x.Ms)), Measure.Median(s.Select(x => x.FaultsPerStep)), s.Max(x => x.PeakMiB),
        s[0].PhasesMs.Length == 0 ? Array.Empty<double>() : Enumerable.Range(0, s[0].PhasesMs.Length).Select(i => Measure.Median(s.Select(x => x.PhasesMs[i]))).ToArray());

static int Probe(Cases cases, Cases unpadded)
{
    // Where the prior step's time goes: phases (data+zero_grad, forward, backward, clip+adam+item) of the plain loop, of the
    // same loop through the library's GlowModel, and of the plain loop with flush-denormal on. Sides alternated, 3 rounds.
    var variants = new (string Name, Func<Sample> Run)[]
    {
        ("plain", cases.PlainPrior),
        ("library layers (GlowModel, own loop)", () => cases.PlainPriorCore(useLibraryLayers: true)),
        ("plain, no channel padding (wrong on Zen 5)", unpadded.PlainPrior),
        ("plain, flush denormal", () =>
        {
            bool ok = Measure.SetFlushDenormal(true);
            try
            {
                var s = cases.PlainPrior();
                return ok ? s : s with { Ms = double.NaN };
            }
            finally
            {
                Measure.SetFlushDenormal(false);
            }
        }),
    };
    var results = variants.Select(_ => new List<Sample>()).ToArray();
    for (int round = 0; round < 3; round++)
    {
        var order = Enumerable.Range(0, variants.Length).Select(i => (i + round) % variants.Length);
        foreach (int i in order) results[i].Add(variants[i].Run());
    }
    Console.WriteLine("| prior step variant | step ms | data+zero_grad | forward | backward | clip+adam+item | faults/step |");
    Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- |");
    for (int i = 0; i < variants.Length; i++)
    {
        var c = Combine(results[i]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {variants[i].Name} | {c.Ms:F1} | {c.PhasesMs[0]:F1} | {c.PhasesMs[1]:F1} | {c.PhasesMs[2]:F1} | {c.PhasesMs[3]:F1} | {c.FaultsPerStep:F0} |"));
    }
    return 0;
}

static int CompareAllocator(Options options)
{
    // Each case in a fresh child process, with the tuning (default) and without (DENOISING_FLOW_MALLOPT=0), the order of
    // the two settings alternated across rounds; medians.
    string[] names = { "prior-library", "denoiser-library", "infer256-library", "infer512-library", "infer2048-library" };
    var results = names.ToDictionary(n => n, _ => (On: new List<Sample>(), Off: new List<Sample>()));
    for (int round = 0; round < options.Rounds; round++)
    {
        foreach (var name in names)
        {
            foreach (bool on in round % 2 == 0 ? new[] { false, true } : new[] { true, false })
            {
                var s = Child(name, on, options);
                (on ? results[name].On : results[name].Off).Add(s);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  round {round + 1} {name} tuning {(on ? "on " : "off")}: {s.Ms:F1} ms, {s.FaultsPerStep:F0} faults/step, peak {s.PeakMiB:F0} MiB"));
            }
        }
    }
    Console.WriteLine();
    Console.WriteLine("| case (library) | without tuning ms | with tuning ms | with / without | minor faults per step without / with | peak MiB without / with |");
    Console.WriteLine("| --- | --- | --- | --- | --- | --- |");
    foreach (var name in names)
    {
        var off = Combine(results[name].Off);
        var on = Combine(results[name].On);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {off.Ms:F1} | {on.Ms:F1} | **{on.Ms / off.Ms:F2}** | {off.FaultsPerStep:F0} / {on.FaultsPerStep:F0} | {off.PeakMiB:F0} / {on.PeakMiB:F0} |"));
    }
    return 0;
}

static Sample Child(string name, bool? tuning, Options options)
{
    var start = new ProcessStartInfo(Environment.ProcessPath!)
    {
        RedirectStandardOutput = true,
        UseShellExecute = false,
    };
    string? entry = Environment.GetCommandLineArgs()[0];
    if (entry.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) start.ArgumentList.Add(entry);
    foreach (var a in new[] { "--only", name, "--threads", options.Threads.ToString(CultureInfo.InvariantCulture), "--steps", options.Steps.ToString(CultureInfo.InvariantCulture), "--models", options.Models })
        start.ArgumentList.Add(a);
    if (!options.SafePadding) start.ArgumentList.Add("--no-safe-padding");
    if (tuning == true) start.Environment.Remove(NativeAllocator.EnvironmentVariable);
    else if (tuning == false) start.Environment[NativeAllocator.EnvironmentVariable] = "0";
    using var process = Process.Start(start)!;
    string output = process.StandardOutput.ReadToEnd();
    process.WaitForExit();
    var line = output.Split('\n').LastOrDefault(l => l.StartsWith('{')) ?? throw new InvalidOperationException($"Child {name} printed no result: {output}");
    using var json = JsonDocument.Parse(line);
    var root = json.RootElement;
    string status = root.GetProperty("Allocator").GetString()!;
    if (tuning is { } expected && (status == nameof(NativeAllocatorStatus.Applied)) != expected) throw new InvalidOperationException($"Child {name}: allocator {status}, expected tuning {(expected ? "on" : "off")}.");
    return new Sample(root.GetProperty("Ms").GetDouble(), root.GetProperty("FaultsPerStep").GetDouble(), root.GetProperty("PeakMiB").GetDouble(), Array.Empty<double>());
}

internal sealed record Row(string Name, Sample Library, Sample Plain, double Flops, double Ratio);

internal sealed record Options(string Verb, bool Quick, int Threads, int Steps, int Rounds, string Models, bool SafePadding, string? Only, bool Help, bool Color)
{
    public static Options Parse(string[] args)
    {
        string verb = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "run";
        var rest = args.SkipWhile(a => !a.StartsWith('-')).ToList();
        string? Value(string name)
        {
            int i = rest.IndexOf(name);
            return i >= 0 && i + 1 < rest.Count ? rest[i + 1] : null;
        }
        int Int(string name, int fallback) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new Options(
            verb,
            rest.Contains("--quick"),
            Int("--threads", 1),
            Int("--steps", verb == "mallopt" ? 20 : 30),
            Int("--rounds", 3),
            Value("--models") ?? FindModels(),
            !rest.Contains("--no-safe-padding"),
            Value("--only"),
            verb is "help" || rest.Contains("--help") || rest.Contains("-h"),
            rest.Contains("--color"));
    }

    private static string FindModels()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "models");
            if (File.Exists(Path.Combine(candidate, "denoiser-gray.dnflow"))) return candidate;
        }
        return "models";
    }
}
