using System.CommandLine;
using System.Globalization;
using Denoising.Flow.Cli.Batch;
using Denoising.Flow.Cli.Console;
using Denoising.Flow.Cli.Imaging;

namespace Denoising.Flow.Cli.Commands;

/// <summary><c>dnflow denoise INPUTS -o DIR</c>.</summary>
internal static class DenoiseCommand
{
    public static Command Create(Terminal terminal)
    {
        var inputs = new Argument<string[]>("inputs")
        {
            Description = "Image files, folders or quoted globs ('raw/**/*.tif').",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string>("--output", "-o") { Description = "Output folder (created; inputs keep their relative names).", Required = true };
        var model = CommonOptions.Model("gray, color, gray-large (the shipped models; gray-large: better, about 6x slower) or a .dnflow file; auto picks the shipped model matching each image.");
        var noiseLevel = new Option<double?>("--noise-level") { Description = "Noise sigma on the 0..255 scale (default: estimated per image).", HelpName = "SIGMA" };
        noiseLevel.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double?>() is { } v && !(v >= 0 && v <= 255))
            {
                r.AddError("--noise-level must be between 0 and 255.");
            }
        });
        var ensemble = new Option<bool>("--ensemble") { Description = "Average over the 8 flips and rotations (8x slower, a little better)." };
        var sureBlend = new Option<bool>("--sure-blend") { Description = "Give back the share of the removed residual that SURE says lowers each image's error (2x slower; helps most at high noise)." };
        var sureTuning = new Option<bool>("--sure-tuning") { Description = "Try 0.6-1.6x the noise level as the network's input and keep, per region, the output SURE rates best (10x slower; the best quality)." };
        var sureRadius = CommonOptions.SureTuningRadius();
        var wiener = CommonOptions.Wiener();
        var htPilot = CommonOptions.HardThresholdingPilot();
        var recursive = new Option<bool>("--recursive", "-r") { Description = "Include subfolders (their structure is kept under the output folder)." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Denoise again even when a complete output exists (default: keep it)." };
        var format = new Option<string?>("--format") { Description = "Output format (default: the input's; BMP, TGA, WebP and GIF become PNG). Bit depth is kept where the format holds it." };
        format.AcceptOnlyFromAmong("png", "tiff", "jpeg");
        var shard = new Option<string?>("--shard")
        {
            Description = "Take share I of N of the sorted input list (0 <= I < N): N workers with I = 0..N-1 cover it exactly once.",
            HelpName = "I/N",
        };
        shard.Validators.Add(r =>
        {
            try
            {
                if (r.GetValueOrDefault<string?>() is { } text)
                {
                    Shard.Parse(text);
                }
            }
            catch (FormatException ex)
            {
                r.AddError(ex.Message);
            }
        });
        var tile = new Option<int>("--tile") { Description = "Tile side in pixels (bounds memory on big images).", DefaultValueFactory = _ => 256 };
        tile.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 8)
            {
                r.AddError("--tile must be at least 8.");
            }
        });
        var manifest = new Option<string?>("--manifest") { Description = "Manifest file (default OUT/.dnflow/manifest-I-of-N.json)." };
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();

        var command = new Command("denoise", "Denoise images into a folder, keeping format, bit depth, alpha and orientation.")
        {
            inputs, output, model, noiseLevel, ensemble, sureBlend, sureTuning, sureRadius, wiener, htPilot, recursive, overwrite, format, shard, tile, manifest, device, threads,
        };
        command.SetAction((parse, ct) =>
        {
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            CommonOptions.ParseDevice(parse.GetValue(device));
            var settings = new DenoiseSettings
            {
                Inputs = parse.GetValue(inputs)!,
                OutputFolder = parse.GetValue(output)!,
                Model = CommonOptions.CheckModel(parse.GetValue(model)!),
                NoiseLevel = parse.GetValue(noiseLevel),
                Ensemble = parse.GetValue(ensemble),
                SureBlend = parse.GetValue(sureBlend),
                SureTuning = parse.GetValue(sureTuning),
                SureTuningRadius = parse.GetValue(sureRadius),
                WienerRefinement = parse.GetValue(wiener),
                HardThresholdingPilot = parse.GetValue(htPilot),
                Recursive = parse.GetValue(recursive),
                Overwrite = parse.GetValue(overwrite),
                Format = parse.GetValue(format) switch
                {
                    "png" => OutputFormat.Png,
                    "tiff" => OutputFormat.Tiff,
                    "jpeg" => OutputFormat.Jpeg,
                    _ => null,
                },
                Shard = parse.GetValue(shard) is { } s ? Shard.Parse(s) : Shard.All,
                TileSize = parse.GetValue(tile),
                Device = parse.GetValue(device),
                ManifestPath = parse.GetValue(manifest),
            };
            return Task.FromResult(Run(settings, terminal, ct));
        });
        return command;
    }

    public static int Run(DenoiseSettings settings, Terminal terminal, CancellationToken cancellationToken)
    {
        using var run = new DenoiseRun(settings, terminal);
        var plan = run.MakePlan();
        terminal.Line(string.Create(CultureInfo.InvariantCulture,
            $"{plan.All.Count} input(s); shard {settings.Shard}: {plan.Mine.Count} to {Path.GetFullPath(settings.OutputFolder)}"));
        var manifest = run.Execute(plan, cancellationToken);

        int denoised = manifest.Entries.Count(e => e.Status == ManifestEntry.Denoised);
        int existing = manifest.Entries.Count(e => e.Status == ManifestEntry.Existing);
        var failures = manifest.Failures.ToArray();
        double seconds = manifest.Entries.Where(e => e.Status == ManifestEntry.Denoised).Sum(e => e.Seconds);
        terminal.Line(string.Create(CultureInfo.InvariantCulture,
            $"Denoised {denoised}, kept {existing} existing, failed {failures.Length} in {manifest.Seconds:F1} s ({(denoised > 0 ? denoised / manifest.Seconds : 0):F2} images/s). Manifest: {plan.ManifestPath}"));
        if (failures.Length > 0)
        {
            terminal.Warn($"{failures.Length} file(s) failed:");
            foreach (var f in failures)
            {
                terminal.Warn($"  {f.Input}: {f.Error}");
            }
        }

        if (!manifest.Completed)
        {
            terminal.Warn($"Stopped after {manifest.Entries.Count} of {plan.Mine.Count} file(s); run the same command again to finish.");
            return ExitCodes.Interrupted;
        }

        return failures.Length > 0 ? ExitCodes.Failures : ExitCodes.Success;
    }
}
