using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Flows;

/// <summary>
/// The one contract of every invertible layer (a bijection y = g(x) in the data-to-latent direction).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><see cref="Forward"/> maps data to latent and returns the output together with the per-sample
/// log|det dg/dx|: a tensor of shape [B] with the input's dtype and device.</item>
/// <item><see cref="Inverse"/> maps an output back: <c>Inverse(Forward(x).Output) == x</c> up to rounding.
/// The log-determinant of the inverse is the negated forward one; it is not returned.</item>
/// <item><see cref="LogDet"/> returns the per-sample log|det J| at <c>x</c> alone, for callers that want only that.</item>
/// <item><see cref="OutputShape"/> maps a per-sample input shape (without the batch dimension; -1 marks a
/// spatial size that is not known yet) to the output shape, or throws an <see cref="ArgumentException"/>
/// naming the layer and the shape when the layer cannot take it. Compositions call it when they are built.</item>
/// </list>
/// Inputs are batches [B, C, H, W]. Layers never dispose their inputs; callers own every tensor they receive.
/// </remarks>
public interface IInvertibleLayer
{
    /// <summary>A short name for messages, e.g. "ActNorm(4)".</summary>
    string Name { get; }

    /// <summary>Data to latent: the output and the per-sample log|det J| (shape [B]).</summary>
    /// <param name="input">A batch [B, C, H, W].</param>
    (Tensor Output, Tensor LogDet) Forward(Tensor input);

    /// <summary>Latent to data: the input that <see cref="Forward"/> maps to <paramref name="output"/>.</summary>
    Tensor Inverse(Tensor output);

    /// <summary>The per-sample log|det J| of <see cref="Forward"/> at <paramref name="input"/> (shape [B]).</summary>
    Tensor LogDet(Tensor input);

    /// <summary>The per-sample output shape for a per-sample input shape [C, H, W].</summary>
    /// <exception cref="ArgumentException">The layer cannot take inputs of that shape.</exception>
    long[] OutputShape(long[] inputShape);
}
