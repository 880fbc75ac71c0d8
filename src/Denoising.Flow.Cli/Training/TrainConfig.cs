using System.Text.Json;
using System.Text.Json.Serialization;

namespace Denoising.Flow.Cli.Training;

/// <summary>
/// The <c>--config FILE</c> of <c>dnflow train</c>: every setting the command line does not name (JSON, camelCase;
/// unknown names are refused so that a typo does not go unnoticed). Command-line options win over the file, the file
/// over the preset.
/// </summary>
internal sealed record TrainConfig
{
    public string? Preset { get; init; }

    public long? Steps { get; init; }

    public double? Minutes { get; init; }

    public long? Seed { get; init; }

    public int? PatchSize { get; init; }

    public int? BatchSize { get; init; }

    public double? LearningRate { get; init; }

    public int? WarmupSteps { get; init; }

    public bool? CosineDecay { get; init; }

    public bool? Augmentation { get; init; }

    public double? CheckpointMinutes { get; init; }

    /// <summary>Prior: Glow levels L.</summary>
    public int? Levels { get; init; }

    /// <summary>Prior: flow steps per level K.</summary>
    public int? StepsPerLevel { get; init; }

    /// <summary>Prior: coupling network width.</summary>
    public int? HiddenChannels { get; init; }

    /// <summary>Prior: folder of clean images for validation bits/dim.</summary>
    public string? Validation { get; init; }

    /// <summary>Denoiser: the body, "resnet" (the paper's, default), "ffdnet" or "unet".</summary>
    public string? Architecture { get; init; }

    /// <summary>Denoiser: residual blocks (per stage for a UNet).</summary>
    public int? ResidualBlocks { get; init; }

    /// <summary>Denoiser: feature channels.</summary>
    public int? Width { get; init; }

    /// <summary>Denoiser: the noise level is a network input (blind at inference: estimated per image).</summary>
    public bool? NoiseLevelInput { get; init; }

    /// <summary>Denoiser: "discrepancy" (adapted, default) or a constant lambda such as "0.01".</summary>
    public string? PriorWeight { get; init; }

    /// <summary>Denoiser: the data term, "residual" (the paper's, default) or "sure" (Stein's unbiased risk estimate; better, two forward passes per step).</summary>
    public string? DataTerm { get; init; }

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <exception cref="UsageException">Missing or invalid file.</exception>
    public static TrainConfig Load(string? path)
    {
        if (path is null)
        {
            return new TrainConfig();
        }

        if (!File.Exists(path))
        {
            throw new UsageException($"Config file '{path}' does not exist.");
        }

        try
        {
            return JsonSerializer.Deserialize<TrainConfig>(File.ReadAllText(path), Options) ?? new TrainConfig();
        }
        catch (JsonException ex)
        {
            throw new UsageException($"Config file '{path}': {ex.Message}");
        }
    }
}
