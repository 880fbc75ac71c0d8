namespace Denoising.Flow.Quality;

/// <summary>
/// The verbs and settings behind the headline numbers of docs/results.md, as the <c>train</c> verb runs them. Budgets are in minutes
/// (the step counts set the cosine schedule; the minutes stop a slower machine at the same wall time).
/// </summary>
internal sealed record Recipe(string[] Prior, double PriorMinutes, string[] Denoiser, string[] Supervised, double DenoiserMinutes)
{
    private static readonly string[] Network = { "--blocks", "10", "--width", "32", "--patch", "40", "--batch", "16", "--lr", "1e-3", "--warmup", "100", "--cosine" };

    private static readonly string[] Glow = { "--levels", "3", "--k", "8", "--width", "64", "--patch", "32", "--batch", "32", "--lr", "1e-3", "--warmup", "200", "--cosine" };

    public static Recipe Gray { get; } = new(
        new[] { "prior" }.Concat(Glow).Concat(new[] { "--steps", "12000" }).ToArray(), 35,
        new[] { "denoiser" }.Concat(Network).Concat(new[] { "--steps", "7500", "--blur", "gaussian:1.0", "--weight", "constant:0.0015", "--checkpoint-minutes", "7" }).ToArray(),
        new[] { "supervised" }.Concat(Network).Concat(new[] { "--steps", "7500" }).ToArray(), 54);

    public static Recipe Color { get; } = new(
        new[] { "prior" }.Concat(Glow).Concat(new[] { "--steps", "8000" }).ToArray(), 34,
        new[] { "denoiser" }.Concat(Network).Concat(new[] { "--steps", "7500", "--blur", "gaussian:1.0", "--weight", "constant:0.0015", "--checkpoint-minutes", "7" }).ToArray(),
        new[] { "supervised" }.Concat(Network).Concat(new[] { "--steps", "7500" }).ToArray(), 54);
}
