using Denoising.Flow.Denoisers;

namespace Denoising.Flow;

/// <summary>
/// Architecture of the denoiser D: a body (<see cref="Architecture"/>) predicting a correction of the input. The last
/// convolution starts at zero, so D starts as the identity (inside [0, 1] when <see cref="BoundedOutput"/> is set).
/// </summary>
public sealed record DenoiserNetworkOptions
{
    /// <summary>Image channels: 1 or 3. Default 1.</summary>
    public int Channels { get; init; } = 1;

    /// <summary>The body: the paper's full-resolution ResNet, the half-resolution FFDNet-style stack or a three-level UNet. Default ResNet.</summary>
    public DenoiserArchitecture Architecture { get; init; } = DenoiserArchitecture.ResNet;

    /// <summary>Residual blocks of the body (two 3x3 convolutions each); of each of its five stages for a UNet. Default 16.</summary>
    public int ResidualBlocks { get; init; } = 16;

    /// <summary>Feature channels (of the full-resolution level for a UNet). Default 64.</summary>
    public int Width { get; init; } = 64;

    /// <summary>
    /// When true, the network also takes the noise level sigma of each image as one more input channel, constant over the
    /// image (as in FFDNet). A blind model then needs no per-level compromise: training gives it the noise level of each
    /// noisy image (given, or estimated from that image alone), and <see cref="Denoiser.Denoise"/> estimates it from the whole
    /// image unless <see cref="DenoiseOptions.NoiseLevel"/> gives it. Default false.
    /// </summary>
    public bool NoiseLevelInput { get; init; }

    /// <summary>
    /// When true, the correction is added in logit space and the output is a sigmoid: D(x) = sigmoid(logit(clamp(x)) + r), so
    /// every output lies inside (0, 1), where the prior is defined and gives a gradient to every pixel. During training the prior
    /// then scores the output dequantised as its clean training images were, (255 D + u) / 256 with fresh uniform u. When false,
    /// D(x) = x + r and the prior scores D clamped to [0, 1]. Default false.
    /// </summary>
    public bool BoundedOutput { get; init; }

    /// <summary>
    /// Pixels of context each output pixel sees on every side (a multiple of the body's grid, 2 for FFDNet and 4 for a UNet, so
    /// that tiles keep it).
    /// </summary>
    public int ReceptiveRadius => Architecture switch
    {
        DenoiserArchitecture.FfdNet => 4 * ResidualBlocks + 6,
        DenoiserArchitecture.UNet => (UNetLevels.ReceptiveRadius(ResidualBlocks) + 2 + UNetLevels.GridMultiple - 1) / UNetLevels.GridMultiple * UNetLevels.GridMultiple,
        _ => 2 * ResidualBlocks + 2,
    };

    /// <summary>The number of parameters the network will hold (computed without building it).</summary>
    internal double ParameterCount()
    {
        double scale = Architecture == DenoiserArchitecture.FfdNet ? 4 : 1, image = Channels * scale, w = Width;
        double head = (image + (NoiseLevelInput ? 1 : 0)) * w * 9 + w;
        double blocks = Architecture == DenoiserArchitecture.UNet
            ? UNetLevels.ParameterCount(ResidualBlocks, w)
            : ResidualBlocks * ResidualBlock.ParameterCount(w);
        return head + blocks + w * image * 9 + image;
    }

    /// <summary>Every problem, "Property: message" each.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Channels is not (1 or 3)) problems.Add($"Channels: must be 1 or 3, got {Channels}.");
        if (!Enum.IsDefined(Architecture)) problems.Add($"Architecture: unknown value {(int)Architecture}.");
        if (ResidualBlocks is < 0 or > 256) problems.Add($"ResidualBlocks: must be between 0 and 256, got {ResidualBlocks}.");
        if (Width is < 1 or > 4096) problems.Add($"Width: must be between 1 and 4096, got {Width}.");
        else if (Architecture == DenoiserArchitecture.UNet && Width > 4096 >> (UNetLevels.Levels - 1))
            problems.Add($"Width: a UNet's lowest level has {1 << (UNetLevels.Levels - 1)}x the width, so at most {4096 >> (UNetLevels.Levels - 1)}, got {Width}.");
        return problems;
    }
}
