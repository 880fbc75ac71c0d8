using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Internal;

/// <summary>
/// Model weights must outlive any dispose scope that happens to be open when a model is built, loaded or moved
/// (a caller's <c>using var scope = torch.NewDisposeScope()</c> would otherwise dispose them on exit).
/// </summary>
internal static class ScopeOwnership
{
    /// <summary>Detaches every parameter and buffer of <paramref name="module"/> (recursively) from dispose scopes.</summary>
    public static T DetachFromScopes<T>(this T module) where T : nn.Module
    {
        foreach (var p in module.parameters()) p.DetachFromDisposeScope();
        foreach (var b in module.buffers()) b.DetachFromDisposeScope();
        return module;
    }
}
