using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using Denoising.Flow.Cli.Console;
using Denoising.Flow.Cli.Imaging;
using Denoising.Flow.Imaging;
using static TorchSharp.torch;

namespace Denoising.Flow.Cli.Batch;

/// <summary>
/// Denoises this worker's share of the sorted input list into the output folder: complete outputs of earlier runs are kept,
/// each new output is written atomically, an unreadable file is reported and skipped, and a manifest records it all.
/// </summary>
internal sealed class DenoiseRun : IDisposable
{
    private readonly DenoiseSettings settings;
    private readonly Terminal terminal;
    private readonly Dictionary<string, Denoiser> models = new(StringComparer.Ordinal);
    private readonly DenoiseOptions options;

    public DenoiseRun(DenoiseSettings settings, Terminal terminal)
    {
        this.settings = settings;
        this.terminal = terminal;
        options = new DenoiseOptions { NoiseLevel = settings.NoiseLevel, SelfEnsemble = settings.Ensemble, SureBlend = settings.SureBlend, SureTuning = settings.SureTuning, SureTuningRadius = settings.SureTuningRadius, WienerRefinement = settings.WienerRefinement, HardThresholdingPilot = settings.HardThresholdingPilot, TileSize = settings.TileSize };
    }

    /// <summary>The planned work: every input of this share with its output path.</summary>
    internal sealed record Plan(IReadOnlyList<InputItem> All, IReadOnlyList<(InputItem Input, string Output, OutputFormat Format)> Mine, string ManifestPath);

    /// <summary>Resolves the inputs, checks that no two outputs collide, and picks this shard's share.</summary>
    /// <exception cref="ArgumentException">Bad inputs or colliding outputs (a usage error).</exception>
    public Plan MakePlan()
    {
        string outRoot = Path.GetFullPath(settings.OutputFolder);
        var all = InputList.Resolve(settings.Inputs, settings.Recursive, exclude: outRoot); // a rerun must not take its own outputs as inputs
        var outputs = all.Select(i =>
        {
            var format = OutputEncoding.FormatOf(i.Key, settings.Format);
            return (Input: i, Output: Path.Combine(outRoot, OutputEncoding.OutputKey(i.Key, format)), Format: format);
        }).ToArray();
        var clash = outputs.GroupBy(o => o.Output, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
        {
            throw new ArgumentException($"Inputs {string.Join(" and ", clash.Select(c => c.Input.Path))} would both be written to '{clash.Key}'.");
        }

        if (outputs.FirstOrDefault(o => string.Equals(o.Output, o.Input.Path, StringComparison.Ordinal)) is { Input: not null } same)
        {
            throw new ArgumentException($"The output of '{same.Input.Path}' would replace it: choose another output folder.");
        }

        string manifest = settings.ManifestPath ?? Path.Combine(outRoot, ShardManifest.Folder, ShardManifest.FileName(settings.Shard));
        return new Plan(all, settings.Shard.Select(outputs), manifest);
    }

    /// <summary>Runs the plan; returns the manifest it wrote. Cancellation stops after the current file (the manifest is still written).</summary>
    public ShardManifest Execute(Plan plan, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var entries = new List<ManifestEntry>();
        BatchProgress.Run(terminal, $"denoise {settings.Shard}", plan.Mine.Count, advance =>
        {
            foreach (var (input, output, format) in plan.Mine)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                var entry = One(input, output, format);
                if (entry.Status == ManifestEntry.Failed)
                {
                    terminal.Warn($"error: {input.Path}: {entry.Error}");
                }

                entries.Add(entry);
                advance();
            }
        });

        var manifest = new ShardManifest
        {
            ToolVersion = typeof(DenoiseRun).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "",
            ShardIndex = settings.Shard.Index,
            ShardCount = settings.Shard.Count,
            ListCount = plan.All.Count,
            ListSha256 = InputList.Fingerprint(plan.All.Select(i => i.Key)),
            OutputFolder = Path.GetFullPath(settings.OutputFolder),
            Started = started,
            Finished = DateTimeOffset.UtcNow,
            Seconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
            Completed = entries.Count == plan.Mine.Count,
            Entries = entries,
        };
        manifest.Write(plan.ManifestPath);
        return manifest;
    }

    private ManifestEntry One(InputItem input, string output, OutputFormat format)
    {
        var entry = new ManifestEntry { Key = input.Key, Input = input.Path, Output = output };
        if (!settings.Overwrite && File.Exists(output))
        {
            byte[] existing = File.ReadAllBytes(output);
            return entry with { Status = ManifestEntry.Existing, Sha256 = Hash(existing), Bytes = existing.Length };
        }

        var clock = Stopwatch.StartNew();
        try
        {
            AtomicFile.RemoveStaleTemporaries(output);
            var (bytes, model) = Denoise(input.Path, format);
            AtomicFile.Write(output, s => s.Write(bytes));
            return entry with
            {
                Status = ManifestEntry.Denoised, Sha256 = Hash(bytes), Bytes = bytes.Length,
                Seconds = Math.Round(clock.Elapsed.TotalSeconds, 3), Model = model,
            };
        }
        catch (Exception ex) when (ex is ImageReadException or FileNotFoundException or IOException or UnauthorizedAccessException or ArgumentException or CheckpointException)
        {
            return entry with { Status = ManifestEntry.Failed, Output = null, Error = ex.Message, Seconds = Math.Round(clock.Elapsed.TotalSeconds, 3) };
        }
    }

    /// <summary>One file to encoded output bytes; also names the model used.</summary>
    internal (byte[] Bytes, string Model) Denoise(string path, OutputFormat format)
    {
        using var scope = NewDisposeScope();
        var info = ImageIO.Identify(path);
        var image = ImageIO.Read(path);
        var alpha = info.HasAlpha ? ImageIO.ReadAlpha(path) : null;
        int orientation = info.Format is "JPEG" or "TIFF" or "PNG" or "WEBP" ? Orientation.Read(path) : 1;

        var (denoiser, model) = ModelFor((int)image.shape[0]);
        var input = denoiser.Channels == 3 && image.shape[0] == 1 ? image.expand(3, -1, -1) : image;
        var result = denoiser.Denoise(input, options);
        if (result.shape[0] != image.shape[0])
        {
            result = result.mean(new long[] { 0 }, keepdim: true);
        }

        result = Orientation.Apply(result, orientation);
        alpha = alpha is null ? null : Orientation.Apply(alpha, orientation);
        using var buffer = new MemoryStream();
        ImageWriter.Write(buffer, result, alpha, OutputEncoding.For(info, format));
        return (buffer.ToArray(), model);
    }

    private (Denoiser Denoiser, string Name) ModelFor(int channels)
    {
        string spec = settings.Model.Equals("auto", StringComparison.OrdinalIgnoreCase)
            ? (channels == 1 ? ModelCatalog.Gray : ModelCatalog.Color)
            : settings.Model;
        if (!models.TryGetValue(spec, out var denoiser))
        {
            denoiser = Denoiser.Load(ModelCatalog.Resolve(spec), settings.Device is null ? null : TorchSharp.torch.device(settings.Device));
            models[spec] = denoiser;
        }

        return (denoiser, spec);
    }

    internal static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public void Dispose()
    {
        foreach (var model in models.Values)
        {
            model.Dispose();
        }
    }
}
