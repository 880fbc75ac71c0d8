using System.CommandLine;
using System.Globalization;
using Denoising.Flow.Cli.Console;
using Denoising.Flow.Cli.Training;
using Denoising.Flow.Imaging;

namespace Denoising.Flow.Cli.Commands;

/// <summary>
/// <c>dnflow train prior --clean DIR</c> and <c>dnflow train denoiser --noisy DIR --prior FILE</c>. Checkpoints go to
/// OUTPUT.ckpt; Ctrl+C writes one and exits; the same command again resumes from it.
/// </summary>
internal static class TrainCommand
{
    public static Command Create(Terminal terminal)
    {
        var train = new Command("train", "Train a flow prior on clean images, then a denoiser on noisy images only.");
        train.Subcommands.Add(Prior(terminal));
        train.Subcommands.Add(DenoiserVerb(terminal));
        return train;
    }

    /// <summary>The options both stages take.</summary>
    private sealed class Shared
    {
        public Option<string?> Output { get; } = new("--output", "-o") { Description = "Model file to write." };

        public Option<long?> Steps { get; } = new("--steps") { Description = "Step budget (default: the preset's)." };

        public Option<double?> Minutes { get; } = new("--minutes") { Description = "Wall-clock budget of this run in minutes (with --steps: whichever ends first)." };

        public Option<string?> Preset { get; } = new("--preset") { Description = "Architecture preset: small, default or large." };

        public Option<long?> Seed { get; } = new("--seed") { Description = "Seed of weights and patch sampling (runs repeat on the CPU)." };

        public Option<string?> Config { get; } = new("--config") { Description = "JSON file with further settings (see docs/cli.md)." };

        public Option<string?> Checkpoint { get; } = new("--checkpoint") { Description = "Checkpoint file (default OUTPUT.ckpt); resumed when it exists." };

        public Option<string?> Device { get; } = CommonOptions.Device();

        public Option<int?> Threads { get; } = CommonOptions.Threads();

        public void AddTo(Command command)
        {
            Preset.AcceptOnlyFromAmong(Presets.Names);
            foreach (Option option in new Option[] { Output, Steps, Minutes, Preset, Seed, Config, Checkpoint, Device, Threads })
            {
                command.Options.Add(option);
            }
        }

        /// <summary>Settings from options, config and preset, in that order of precedence.</summary>
        public (TrainConfig Config, string Preset, string Output, string Checkpoint) Resolve(ParseResult parse, string defaultOutput)
        {
            var config = TrainConfig.Load(parse.GetValue(Config));
            string preset = parse.GetValue(Preset) ?? config.Preset ?? "default";
            if (!Presets.Names.Contains(preset))
            {
                throw new UsageException($"Unknown preset '{preset}' (use {string.Join(", ", Presets.Names)}).");
            }

            config = config with
            {
                Steps = parse.GetValue(Steps) ?? config.Steps,
                Minutes = parse.GetValue(Minutes) ?? config.Minutes,
                Seed = parse.GetValue(Seed) ?? config.Seed,
            };
            if (config.Steps is < 1 || config.Minutes is <= 0)
            {
                throw new UsageException("--steps and --minutes must be positive.");
            }

            string output = Path.GetFullPath(parse.GetValue(Output) ?? defaultOutput);
            return (config, preset, output, Path.GetFullPath(parse.GetValue(Checkpoint) ?? output + ".ckpt"));
        }

        public void Apply<T>(TrainingBuilder<T> builder, TrainConfig config, long presetSteps, string checkpoint, ParseResult parse)
            where T : TrainingBuilder<T>
        {
            CommonOptions.ApplyThreads(parse.GetValue(Threads));
            if (CommonOptions.ParseDevice(parse.GetValue(Device)) is { } device)
            {
                builder.OnDevice(device);
            }

            if (config.Steps is not null || config.Minutes is null)
            {
                builder.WithSteps(config.Steps ?? presetSteps); // --minutes alone: the wall clock is the only budget
            }

            if (config.Minutes is { } minutes)
            {
                builder.WithDuration(TimeSpan.FromMinutes(minutes));
            }

            if (config.Seed is { } seed)
            {
                builder.WithSeed(seed);
            }

            if (config.LearningRate is not null || config.WarmupSteps is not null || config.CosineDecay is not null)
            {
                builder.WithLearningRate(config.LearningRate ?? 1e-3, config.WarmupSteps ?? 100, config.CosineDecay ?? false);
            }

            if (config.Augmentation is { } augment)
            {
                builder.WithAugmentation(augment);
            }

            builder.WithCheckpoint(checkpoint, TimeSpan.FromMinutes(config.CheckpointMinutes ?? 3));
        }
    }

    private static Command Prior(Terminal terminal)
    {
        var shared = new Shared();
        var clean = new Option<string>("--clean") { Description = "Folder of clean images.", Required = true };
        var channels = new Option<int?>("--channels") { Description = "1 (grayscale) or 3 (color); default: that of the first image." };
        channels.AcceptOnlyFromAmong("1", "3");
        var command = new Command("prior", "Train a Glow prior on clean images (stage 1).") { clean, channels };
        shared.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            var (config, preset, output, checkpoint) = shared.Resolve(parse, "prior.dnflow");
            string folder = parse.GetValue(clean)!;
            var files = ImageIO.ListImages(folder);
            int c = parse.GetValue(channels) ?? ImageIO.Identify(files[0]).Channels;
            var p = Presets.Prior(preset);
            var architecture = new GlowOptions
            {
                InputChannels = c,
                Levels = config.Levels ?? p.Levels,
                StepsPerLevel = config.StepsPerLevel ?? p.K,
                HiddenChannels = config.HiddenChannels ?? p.Width,
            };
            var builder = new FlowPriorBuilder()
                .WithCleanImages(files)
                .WithArchitecture(architecture)
                .WithPatchSize(config.PatchSize ?? p.Patch)
                .WithBatchSize(config.BatchSize ?? p.Batch);
            if (config.Validation is { } validation)
            {
                builder.WithValidationImages(ImageSource.FromFolder(validation));
            }

            shared.Apply(builder, config, p.Steps, checkpoint, parse);
            Announce(terminal, "prior", preset, files.Count, folder, checkpoint);
            return Task.FromResult(Train(terminal, checkpoint, () =>
            {
                using var prior = TrainingProgressView.Run(terminal, view => builder.Train(view, ct));
                prior.Save(output);
                terminal.Line(string.Create(CultureInfo.InvariantCulture,
                    $"Prior saved: {output} ({prior.Info.Steps} steps, {prior.Info.TrainingBitsPerDim:F4} bits/dim{(prior.Info.ValidationBitsPerDim is { } v ? $", validation {v:F4}" : "")})."));
                terminal.Line($"Next: dnflow train denoiser --noisy NOISY_DIR --prior \"{output}\"");
            }));
        });
        return command;
    }

    private static Command DenoiserVerb(Terminal terminal)
    {
        var shared = new Shared();
        var noisy = new Option<string>("--noisy") { Description = "Folder of noisy images (no clean image is needed).", Required = true };
        var priorPath = new Option<string>("--prior") { Description = "The prior from 'dnflow train prior'.", Required = true };
        var dataTerm = new Option<string?>("--data-term")
        {
            Description = "residual (the paper's, default) or sure (Stein's unbiased risk estimate: better on the shipped data, two forward passes per step).",
        };
        dataTerm.AcceptOnlyFromAmong("residual", "sure");
        var command = new Command("denoiser", "Train a denoiser on noisy images with a frozen prior (stage 2).") { noisy, priorPath, dataTerm };
        shared.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            var (config, preset, output, checkpoint) = shared.Resolve(parse, "denoiser.dnflow");
            string folder = parse.GetValue(noisy)!;
            string priorFile = parse.GetValue(priorPath)!;
            if (!File.Exists(priorFile))
            {
                throw new UsageException($"Prior file '{priorFile}' does not exist.");
            }

            var files = ImageIO.ListImages(folder);
            var d = Presets.Denoiser(preset);
            using var prior = FlowPrior.Load(priorFile);
            var builder = new DenoiserTrainer(prior)
                .WithNoisyImages(files)
                .WithNetwork(new DenoiserNetworkOptions
                {
                    Architecture = ParseArchitecture(config.Architecture),
                    ResidualBlocks = config.ResidualBlocks ?? d.Blocks,
                    Width = config.Width ?? d.Width,
                    NoiseLevelInput = config.NoiseLevelInput ?? true,
                })
                .WithPriorWeight(ParseWeight(config.PriorWeight))
                .WithDataTerm(ParseDataTerm(parse.GetValue(dataTerm) ?? config.DataTerm))
                .WithPatchSize(config.PatchSize ?? d.Patch)
                .WithBatchSize(config.BatchSize ?? d.Batch);
            shared.Apply(builder, config, d.Steps, checkpoint, parse);
            Announce(terminal, "denoiser", preset, files.Count, folder, checkpoint);
            return Task.FromResult(Train(terminal, checkpoint, () =>
            {
                using var denoiser = TrainingProgressView.Run(terminal, view => builder.Train(view, ct));
                denoiser.Save(output);
                terminal.Line(string.Create(CultureInfo.InvariantCulture,
                    $"Denoiser saved: {output} ({denoiser.Info.Steps} steps, final lambda {denoiser.Info.FinalPriorWeight:G3})."));
                terminal.Line($"Use it: dnflow denoise NOISY_DIR -o OUT_DIR --model \"{output}\"   (inspect: dnflow info \"{output}\")");
            }));
        });
        return command;
    }

    private static PriorWeight ParseWeight(string? text) =>
        text is null or "discrepancy" ? PriorWeight.Discrepancy()
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double lambda) && lambda >= 0 ? PriorWeight.Constant(lambda)
        : throw new UsageException($"priorWeight must be \"discrepancy\" or a number, got '{text}'.");

    private static DenoiserArchitecture ParseArchitecture(string? text) => text switch
    {
        null or "resnet" => DenoiserArchitecture.ResNet,
        "ffdnet" => DenoiserArchitecture.FfdNet,
        "unet" => DenoiserArchitecture.UNet,
        _ => throw new UsageException($"architecture must be \"resnet\", \"ffdnet\" or \"unet\", got '{text}'."),
    };

    private static DataTerm ParseDataTerm(string? text) => text switch
    {
        null or "residual" => DataTerm.Residual,
        "sure" => DataTerm.Sure,
        _ => throw new UsageException($"dataTerm must be \"residual\" or \"sure\", got '{text}'."),
    };

    private static void Announce(Terminal terminal, string stage, string preset, int count, string folder, string checkpoint) =>
        terminal.Line($"Training the {stage} ({preset} preset) on {count} image(s) of {Path.GetFullPath(folder)}; "
            + (File.Exists(checkpoint) ? $"resuming from {checkpoint}." : $"checkpoints to {checkpoint}."));

    /// <summary>Runs the training; Ctrl+C (the library writes a checkpoint first) gives exit code 130 and a hint.</summary>
    private static int Train(Terminal terminal, string checkpoint, Action train)
    {
        try
        {
            train();
            terminal.Line($"Checkpoint kept at {checkpoint} (a larger --steps resumes from it; delete it to start over).");
            return ExitCodes.Success;
        }
        catch (OperationCanceledException)
        {
            terminal.Warn($"Interrupted: checkpoint written to {checkpoint}. Run the same command again to resume.");
            return ExitCodes.Interrupted;
        }
    }
}
