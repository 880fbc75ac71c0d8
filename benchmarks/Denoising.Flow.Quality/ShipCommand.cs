using System.Text.Json;
using System.Text.Json.Nodes;
using Denoising.Flow.Denoisers;
using Denoising.Flow.Prior;
using Microsoft.Extensions.Logging;

namespace Denoising.Flow.Quality;

/// <summary>
/// ship: copies a trained prior and denoiser into models/ (each must stay under 20 MB) and writes their manifest:
/// architecture, training data and budget, and the PSNR table of an evaluate report. --prior-kind names the prior file when
/// the denoiser was trained with a prior already shipped under another kind (gray-large uses prior-gray.dnflow).
/// </summary>
internal static class ShipCommand
{
    private const long MaxBytes = 20L * 1024 * 1024;

    public static int Run(Args a, ILogger logger, string[] raw)
    {
        string kind = a.Text("kind", "gray");
        string denoiserPath = a.Text("denoiser") ?? throw new ArgumentException("--denoiser is required.");
        string priorPath = a.Text("prior") ?? throw new ArgumentException("--prior is required.");
        string reportPath = a.Text("report") ?? throw new ArgumentException("--report (an evaluate report.json) is required.");
        string trainingData = a.Text("training-data", "prior: train400 001-200 (clean); denoiser: train400 201-400 with synthetic AWGN sigma ~ U(0, 55) added once per image");
        string commands = a.Text("commands", "see docs/results.md");
        string? statedDataTerm = a.Text("data-term");
        string priorKind = a.Text("prior-kind", kind);
        a.EnsureAllUsed();

        using var denoiser = WithStatedDataTerm(Denoiser.Load(denoiserPath, TorchSharp.torch.CPU), statedDataTerm, ref denoiserPath);
        using var prior = FlowPrior.Load(priorPath, TorchSharp.torch.CPU);
        string folder = Path.Combine(DataSets.RepositoryRoot(), "models");
        Directory.CreateDirectory(folder);
        string denoiserTarget = Path.Combine(folder, $"denoiser-{kind}.dnflow");
        string priorTarget = Path.Combine(folder, $"prior-{priorKind}.dnflow");
        foreach (var (from, to) in new[] { (denoiserPath, denoiserTarget), (priorPath, priorTarget) })
        {
            if (new FileInfo(from).Length > MaxBytes) throw new ArgumentException($"{from} is over 20 MB.");
            if (Path.GetFullPath(from) != Path.GetFullPath(to)) File.Copy(from, to, overwrite: true);
        }
        var report = JsonNode.Parse(File.ReadAllText(reportPath))!;
        var manifest = new
        {
            kind,
            files = new { denoiser = Path.GetFileName(denoiserTarget), prior = Path.GetFileName(priorTarget) },
            load = $"Denoiser.Load(\"models/{Path.GetFileName(denoiserTarget)}\")",
            denoiser = new { network = denoiser.Network, blur = denoiser.Blur.Name, info = denoiser.Info },
            prior = new { architecture = prior.Architecture, info = prior.Info },
            trainingData,
            measured = report["results"]!.AsArray().Select(r => new
            {
                method = (string?)r!["Method"], sigma = (double?)r["Sigma"], psnr = Math.Round((double)r["MeanPsnr"]!, 2), ssim = Math.Round((double)r["MeanSsim"]!, 4),
            }),
            evaluatedOn = (string?)report["testDir"] is { } dir ? Path.GetFileName(dir) : null,
            commands,
        };
        string manifestPath = Path.Combine(folder, $"manifest-{kind}.json");
        File.WriteAllText(manifestPath, JsonSerializer.Serialize(manifest, new JsonSerializerOptions
        {
            WriteIndented = true,
            Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }));
        Console.WriteLine($"Shipped {denoiserTarget} ({new FileInfo(denoiserTarget).Length / 1024} KB), {priorTarget} ({new FileInfo(priorTarget).Length / 1024} KB), {manifestPath}");
        return 0;
    }

    /// <summary>
    /// --data-term residual|sure states the data term of a model saved before <see cref="DenoiserInfo.DataTerm"/> was recorded
    /// (such files read as Residual). When it differs from the recorded one, the model is saved again with it, beside the
    /// original (<c>.stamped.dnflow</c>), and that copy is shipped; the weights are unchanged.
    /// </summary>
    private static Denoiser WithStatedDataTerm(Denoiser loaded, string? stated, ref string path)
    {
        if (stated is null) return loaded;
        if (!Enum.TryParse(stated, ignoreCase: true, out DataTerm term) || !Enum.IsDefined(term))
            throw new ArgumentException($"Unknown --data-term '{stated}' ({string.Join(", ", Enum.GetNames<DataTerm>()).ToLowerInvariant()}).");
        if (loaded.Info.DataTerm == term) return loaded;
        // The stamped denoiser takes over the loaded one's network (disposing it disposes the weights).
        var stamped = new Denoiser(loaded.NetworkModule, loaded.Blur, loaded.Info with { DataTerm = term });
        path = Path.ChangeExtension(path, ".stamped.dnflow");
        stamped.Save(path);
        return stamped;
    }
}
