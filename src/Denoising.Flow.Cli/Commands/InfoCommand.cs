using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Denoising.Flow.Cli.Batch;
using Denoising.Flow.Cli.Console;

namespace Denoising.Flow.Cli.Commands;

/// <summary><c>dnflow info MODEL</c>: architecture, training record, manifest and checksum of a model file.</summary>
internal static class InfoCommand
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public static Command Create(Terminal terminal)
    {
        var model = new Argument<string>("model") { Description = "gray, color, gray-large (the shipped models) or a .dnflow file (denoiser, prior or training checkpoint)." };
        var command = new Command("info", "Show what a model file holds.") { model };
        command.SetAction(parse =>
        {
            string path = ModelCatalog.Resolve(parse.GetValue(model)!);
            foreach (var (key, value) in Describe(path))
            {
                terminal.Line($"{key}: {value}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Key and value lines.</summary>
    public static IReadOnlyList<(string Key, string Value)> Describe(string path)
    {
        var lines = new List<(string, string)>
        {
            ("file", Path.GetFullPath(path)),
            ("bytes", new FileInfo(path).Length.ToString(CultureInfo.InvariantCulture)),
            ("sha256", Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)))),
        };
        lines.AddRange(Contents(path));
        if (FindManifest(path) is { } manifest)
        {
            lines.Add(("manifest", manifest));
            var node = JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
            foreach (var (key, value) in node.Where(kv => kv.Key is not ("denoiser" or "prior" or "files" or "load")))
            {
                lines.Add(("manifest." + key, value?.ToJsonString() ?? "null"));
            }
        }

        return lines;
    }

    private static IEnumerable<(string, string)> Contents(string path)
    {
        var cpu = TorchSharp.torch.CPU;
        try
        {
            using var denoiser = Denoiser.Load(path, cpu);
            return
            [
                ("kind", "denoiser"),
                ("network", JsonSerializer.Serialize(denoiser.Network, Indented)),
                ("blur", denoiser.Blur.Name),
                ("training", JsonSerializer.Serialize(denoiser.Info, Indented)),
            ];
        }
        catch (CheckpointException)
        {
        }

        try
        {
            using var prior = FlowPrior.Load(path, cpu);
            return
            [
                ("kind", "prior"),
                ("architecture", JsonSerializer.Serialize(prior.Architecture, Indented)),
                ("training", JsonSerializer.Serialize(prior.Info, Indented)),
            ];
        }
        catch (CheckpointException)
        {
        }

        using var checkpoint = Denoiser.LoadTrainingCheckpoint(path, cpu); // the last kind: its error is the one reported
        return
        [
            ("kind", "denoiser training checkpoint"),
            ("network", JsonSerializer.Serialize(checkpoint.Network, Indented)),
            ("training", JsonSerializer.Serialize(checkpoint.Info, Indented)),
        ];
    }

    /// <summary>A manifest-*.json beside the file that names it (the shipped models have one).</summary>
    private static string? FindManifest(string path)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string name = Path.GetFileName(path);
        // Shortest name first: the prior shared by gray and gray-large is described by manifest-gray.json.
        foreach (string candidate in Directory.EnumerateFiles(folder, "manifest-*.json").OrderBy(f => f.Length).ThenBy(f => f, StringComparer.Ordinal))
        {
            try
            {
                var files = JsonNode.Parse(File.ReadAllText(candidate))?["files"]?.AsObject();
                if (files is not null && files.Any(kv => kv.Value?.GetValue<string>() == name))
                {
                    return candidate;
                }
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or IOException)
            {
            }
        }

        return null;
    }
}
