using Denoising.Flow.Flows;
namespace Denoising.Flow;

/// <summary>
/// Architecture of a <see cref="GlowModel"/>. Immutable; <see cref="Validate"/> reports every problem at once.
/// </summary>
public sealed record GlowOptions
{
    /// <summary>Image channels: 1 (grayscale) or 3 (color). Default 1.</summary>
    public int InputChannels { get; init; } = 1;

    /// <summary>Levels L of the multi-scale architecture; H and W must be divisible by 2^L. Default 3.</summary>
    public int Levels { get; init; } = 3;

    /// <summary>Flow steps K per level (ActNorm, invertible 1x1 convolution, coupling). Default 8.</summary>
    public int StepsPerLevel { get; init; } = 8;

    /// <summary>Width of each coupling network. Default 64.</summary>
    public int HiddenChannels { get; init; } = 64;

    /// <summary>Coupling kind. Default <see cref="CouplingKind.Affine"/>.</summary>
    public CouplingKind Coupling { get; init; } = CouplingKind.Affine;

    /// <summary>Parametrisation of the invertible 1x1 convolutions. Default <see cref="Conv1x1Kind.Lu"/>.</summary>
    public Conv1x1Kind Conv1x1 { get; init; } = Conv1x1Kind.Lu;

    /// <summary>Base distribution of the factored-out latents. Default <see cref="SplitPriorKind.Learned"/>.</summary>
    public SplitPriorKind SplitPrior { get; init; } = SplitPriorKind.Learned;

    /// <summary>Margin of the logit preprocessing. Default <see cref="LogitTransform.DefaultAlpha"/>.</summary>
    public double LogitAlpha { get; init; } = LogitTransform.DefaultAlpha;

    /// <summary>Bound on the affine couplings' |log-scale|. Default <see cref="AffineCoupling.DefaultScaleBound"/>.</summary>
    public double CouplingScaleBound { get; init; } = AffineCoupling.DefaultScaleBound;

    /// <summary>The multiple that H and W must be: 2^L.</summary>
    public int SizeMultiple => 1 << Levels;

    /// <summary>Every problem with these options, one line each ("Property: message"); empty when valid.</summary>
    /// <summary>An upper estimate of the parameters the model will hold (computed without building it).</summary>
    internal double ParameterCount()
    {
        double total = 0, c = InputChannels, h = HiddenChannels;
        for (int level = 0; level < Levels; level++)
        {
            c *= 4; // squeeze
            double step = 4 * c + c * c + (c / 2) * h * 9 + h * h + h + h * c * 9 + 2 * c;
            total += StepsPerLevel * step + c * (c / 2) * 9 * 2;
            c /= 2; // split
        }
        return total;
    }

    /// <summary>Every problem, "Property: message" each.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (InputChannels is not (1 or 3)) problems.Add($"{nameof(InputChannels)}: must be 1 or 3, got {InputChannels}.");
        if (Levels is < 1 or > 8) problems.Add($"{nameof(Levels)}: must be between 1 and 8, got {Levels}.");
        if (StepsPerLevel is < 1 or > 256) problems.Add($"{nameof(StepsPerLevel)}: must be between 1 and 256, got {StepsPerLevel}.");
        if (HiddenChannels is < 1 or > 4096) problems.Add($"{nameof(HiddenChannels)}: must be between 1 and 4096, got {HiddenChannels}.");
        if (!Enum.IsDefined(Coupling)) problems.Add($"{nameof(Coupling)}: unknown value {Coupling}.");
        if (!Enum.IsDefined(Conv1x1)) problems.Add($"{nameof(Conv1x1)}: unknown value {Conv1x1}.");
        if (!Enum.IsDefined(SplitPrior)) problems.Add($"{nameof(SplitPrior)}: unknown value {SplitPrior}.");
        if (!(LogitAlpha > 0 && LogitAlpha < 0.5)) problems.Add($"{nameof(LogitAlpha)}: must lie in (0, 0.5), got {LogitAlpha}.");
        if (!(CouplingScaleBound > 0) || double.IsInfinity(CouplingScaleBound))
            problems.Add($"{nameof(CouplingScaleBound)}: must be positive and finite, got {CouplingScaleBound}.");
        return problems;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem, if there is any.</summary>
    public void Validate()
    {
        var problems = Problems();
        if (problems.Count > 0)
            throw new ArgumentException("Invalid Glow options:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)));
    }
}

/// <summary>Coupling layer kind.</summary>
public enum CouplingKind
{
    /// <summary><see cref="AffineCoupling"/>: scale and shift.</summary>
    Affine,

    /// <summary><see cref="AdditiveCoupling"/>: shift only (volume preserving).</summary>
    Additive,
}

/// <summary>Parametrisation of the invertible 1x1 convolution.</summary>
public enum Conv1x1Kind
{
    /// <summary><see cref="LuConv1x1"/>.</summary>
    Lu,

    /// <summary><see cref="PlainConv1x1"/>.</summary>
    Plain,
}

/// <summary>Distribution of the latents factored out at each split.</summary>
public enum SplitPriorKind
{
    /// <summary>Standard normal.</summary>
    Standard,

    /// <summary>Normal with mean and log-std learned from the kept half (<see cref="LearnedSplitPrior"/>).</summary>
    Learned,
}
