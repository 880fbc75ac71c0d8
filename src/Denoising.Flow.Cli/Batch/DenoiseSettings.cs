using Denoising.Flow.Cli.Imaging;

namespace Denoising.Flow.Cli.Batch;

/// <summary>What <c>dnflow denoise</c> was asked to do.</summary>
internal sealed record DenoiseSettings
{
    public required IReadOnlyList<string> Inputs { get; init; }

    public required string OutputFolder { get; init; }

    /// <summary>"auto" (the shipped model matching each image), "gray", "color", "gray-large" or a file.</summary>
    public string Model { get; init; } = "auto";

    public double? NoiseLevel { get; init; }

    public bool Ensemble { get; init; }

    /// <summary>DenoiseOptions.SureBlend.</summary>
    public bool SureBlend { get; init; }

    /// <summary>DenoiseOptions.SureTuning.</summary>
    public bool SureTuning { get; init; }

    /// <summary>DenoiseOptions.SureTuningRadius.</summary>
    public int SureTuningRadius { get; init; } = DenoiseOptions.Default.SureTuningRadius;

    /// <summary>DenoiseOptions.WienerRefinement.</summary>
    public bool WienerRefinement { get; init; }

    /// <summary>DenoiseOptions.HardThresholdingPilot.</summary>
    public bool HardThresholdingPilot { get; init; }

    public bool Recursive { get; init; }

    public bool Overwrite { get; init; }

    public OutputFormat? Format { get; init; }

    public Shard Shard { get; init; } = Shard.All;

    public int TileSize { get; init; } = 256;

    public string? Device { get; init; }

    /// <summary>Manifest file; default OUT/.dnflow/manifest-I-of-N.json.</summary>
    public string? ManifestPath { get; init; }
}
