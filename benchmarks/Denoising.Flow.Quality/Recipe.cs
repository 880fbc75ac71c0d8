namespace Denoising.Flow.Quality;

/// <summary>
/// The verbs and settings behind the headline numbers of docs/results.md, as the <c>train</c> verb runs them. Budgets are in minutes
/// (the step counts set the cosine schedule; the minutes stop a slower machine at the same wall time).
/// </summary>
internal sealed record Recipe(string[] Prior, double PriorMinutes, string[] Denoiser, double DenoiserMinutes, string[] Supervised)
{
    private static readonly string[] Network = { "--blocks", "10", "--width", "32", "--patch", "40", "--batch", "16", "--lr", "1e-3", "--warmup", "100", "--cosine" };

    private static readonly string[] Glow = { "--levels", "3", "--k", "8", "--width", "64", "--patch", "32", "--batch", "32", "--lr", "1e-3", "--warmup", "200", "--cosine" };

    /// <summary>Blind stage 2: noise level as a network input, MAP-scaled lambda with gamma from the discrepancy principle, no blur.</summary>
    private static readonly string[] Blind = new[] { "denoiser" }.Concat(Network).Concat(new[]
    {
        "--noise-input", "--steps", "2400", "--blur", "identity", "--weight", "discrepancy:0.25", "--adapt-rate", "0.02", "--checkpoint-minutes", "7.5",
    }).ToArray();

    /// <summary>The gray model adds the SURE data term (measured better at sigma 15 / 25 / 50); its two forward passes per step took 52 minutes on a loaded core.</summary>
    private static readonly string[] BlindGray = Blind.Concat(new[] { "--sure" }).ToArray();

    public static Recipe Gray { get; } = new(
        new[] { "prior" }.Concat(Glow).Concat(new[] { "--steps", "12000" }).ToArray(), 35,
        BlindGray, 70,
        new[] { "supervised" }.Concat(Network).Concat(new[] { "--steps", "6000" }).ToArray());

    /// <summary>
    /// The color model keeps the plain residual and a 6000-step schedule (stopped by the 45-minute budget): the gray recipe (SURE,
    /// 2400 steps) on color measured worse on Kodak24 13-24 (31.12 / 28.89 against 32.33 / 29.25 dB at sigma 15 / 25; session 4).
    /// </summary>
    private static readonly string[] BlindColor = Blind.Select(a => a == "2400" ? "6000" : a).ToArray();

    public static Recipe Color { get; } = new(
        new[] { "prior" }.Concat(Glow).Concat(new[] { "--steps", "8000" }).ToArray(), 34,
        BlindColor, 45,
        new[] { "supervised" }.Concat(Network).Concat(new[] { "--steps", "6000" }).ToArray());
}
