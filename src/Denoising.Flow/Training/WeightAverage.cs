using Denoising.Flow.Persistence;
using static TorchSharp.torch;

namespace Denoising.Flow.Training;

/// <summary>
/// An exponential moving average of a model's weights during training (Polyak averaging): after each optimizer step,
/// A = d A + (1 - d) W with d = min(0.5^(1 / halfLife), (1 + t) / (10 + t)) at step t, so that early steps are not held back
/// by the initial weights. The average, not the last iterate, is what training returns: it smooths the step-to-step noise of
/// the last weights (measured in docs/results.md). Works in place on copies of the model's floating-point parameters, on the
/// model's device. Buffers (for example ActNorm's initialised flag) are not averaged: the copy follows the model's own.
/// </summary>
internal sealed class WeightAverage : IDisposable
{
    private readonly nn.Module model;
    private readonly (Tensor Live, Tensor Average)[] pairs;
    private readonly (Tensor Live, Tensor Copy)[] buffers;

    public WeightAverage(nn.Module model, int halfLifeSteps)
    {
        if (halfLifeSteps < 1) throw new ArgumentOutOfRangeException(nameof(halfLifeSteps), halfLifeSteps, "The half-life must be at least one step.");
        this.model = model;
        HalfLifeSteps = halfLifeSteps;
        using var guard = no_grad();
        pairs = model.parameters()
            .Where(t => t.is_floating_point())
            .Select(t => ((Tensor)t, t.detach().clone().DetachFromDisposeScope()))
            .ToArray();
        buffers = model.buffers()
            .Select(t => (t, t.detach().clone().DetachFromDisposeScope()))
            .ToArray();
    }

    /// <summary>Steps after which a weight's contribution to the average has halved.</summary>
    public int HalfLifeSteps { get; }

    /// <summary>The decay at step <paramref name="step"/> (0-based): the half-life's, or less while the average is young.</summary>
    public double Decay(long step) => Math.Min(Math.Pow(0.5, 1.0 / HalfLifeSteps), (1.0 + step) / (10.0 + step));

    /// <summary>Folds the model's current weights into the average (after the optimizer step of <paramref name="step"/>).</summary>
    public void Update(long step)
    {
        double d = Decay(step);
        using var guard = no_grad();
        foreach (var (live, average) in pairs) average.mul_(d).add_(live, alpha: 1 - d);
        foreach (var (live, copy) in buffers) copy.copy_(live);
    }

    /// <summary>Restarts the average at the model's current weights (a resumed run whose checkpoint holds none).</summary>
    public void Reset()
    {
        using var guard = no_grad();
        foreach (var (live, average) in pairs.Concat(buffers)) average.copy_(live);
    }

    /// <summary>Puts the average into the model (the model's own weights are dropped).</summary>
    public void CopyToModel()
    {
        using var guard = no_grad();
        foreach (var (live, average) in pairs.Concat(buffers)) live.copy_(average);
    }

    /// <summary>The average in the model's serialised form (the form <see cref="ModuleState.Load(nn.Module, byte[], string)"/> reads).</summary>
    public byte[] Save()
    {
        Swap();
        try { return ModuleState.Save(model); }
        finally { Swap(); }
    }

    /// <summary>Reads an average written by <see cref="Save"/>; the model's own weights are kept.</summary>
    public void Load(byte[] state, string path)
    {
        Swap();
        try { ModuleState.Load(model, state, path); }
        finally { Swap(); }
    }

    /// <summary>Exchanges the model's weights and the average.</summary>
    private void Swap()
    {
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        foreach (var (live, average) in pairs.Concat(buffers))
        {
            var held = live.clone();
            live.copy_(average);
            average.copy_(held);
        }
    }

    public void Dispose()
    {
        foreach (var (_, average) in pairs.Concat(buffers)) average.Dispose();
    }
}
