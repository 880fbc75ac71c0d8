namespace Denoising.Flow.Denoisers;

/// <summary>
/// Architecture of the denoiser D: a ResNet (conv 3x3, <see cref="ResidualBlocks"/> blocks of conv-ReLU-conv with a skip,
/// conv 3x3) predicting a correction that is added to the input. The last convolution starts at zero, so D starts as the identity.
/// </summary>
public sealed record DenoiserNetworkOptions
{
    /// <summary>Image channels: 1 or 3. Default 1.</summary>
    public int Channels { get; init; } = 1;

    /// <summary>Residual blocks. Default 16.</summary>
    public int ResidualBlocks { get; init; } = 16;

    /// <summary>Feature channels. Default 64.</summary>
    public int Width { get; init; } = 64;

    /// <summary>
    /// When true, the network also takes the noise level sigma of each image as one more input channel, constant over the
    /// image (as in FFDNet). A blind model then needs no per-level compromise: training gives it the noise level of each
    /// noisy image (given, or estimated from that image alone), and <see cref="Denoiser.Denoise"/> estimates it from the whole
    /// image unless <see cref="DenoiseOptions.NoiseLevel"/> gives it. Default false.
    /// </summary>
    public bool NoiseLevelInput { get; init; }

    /// <summary>Pixels of context each output pixel sees on every side: 2 * blocks + 2.</summary>
    public int ReceptiveRadius => 2 * ResidualBlocks + 2;

    /// <summary>Every problem, "Property: message" each.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Channels is not (1 or 3)) problems.Add($"Channels: must be 1 or 3, got {Channels}.");
        if (ResidualBlocks is < 0 or > 256) problems.Add($"ResidualBlocks: must be between 0 and 256, got {ResidualBlocks}.");
        if (Width < 1) problems.Add($"Width: must be at least 1, got {Width}.");
        return problems;
    }
}
