using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Denoising.Flow.Performance;

/// <summary>
/// The library's ResNet denoiser with a noise-level input (head conv3x3 (C+1 -> w), ReLU, blocks (conv3x3, ReLU, conv3x3,
/// relu(x + h)), tail conv3x3 (w -> C), out = x + tail) written directly on TorchSharp's functional API, with weights copied
/// from a library network's state dictionary; and the library's seamless tiling (reflect pad by the receptive radius, keep
/// each tile's core) written directly too.
/// </summary>
internal sealed class PlainDenoiser : IDisposable
{
    private readonly List<(Tensor Weight, Tensor Bias)> convs = new();

    public PlainDenoiser(IDictionary<string, Tensor> state, int blocks, bool trainable, bool safePadding)
    {
        SafePadding = safePadding;
        Add(state, "head", trainable);
        for (int i = 0; i < blocks; i++)
        {
            Add(state, $"blocks.{i}.first", trainable);
            Add(state, $"blocks.{i}.second", trainable);
        }
        Add(state, "tail", trainable);
    }

    public bool SafePadding { get; }

    public List<Parameter> Parameters { get; } = new();

    /// <summary>Receptive radius: one pixel per 3x3 convolution.</summary>
    public int Radius => convs.Count;

    public void Dispose()
    {
        foreach (var (w, b) in convs)
        {
            w.Dispose();
            b.Dispose();
        }
    }

    public Tensor Forward(Tensor x, Tensor sigmas)
    {
        using var scope = NewDisposeScope();
        var map = (sigmas * 5.0).view(-1, 1, 1, 1).expand(x.shape[0], 1, x.shape[2], x.shape[3]);
        var h = nn.functional.relu(Conv(cat(new[] { x, map }, 1), 0));
        for (int i = 1; i < convs.Count - 1; i += 2)
            h = nn.functional.relu(h + Conv(nn.functional.relu(Conv(h, i)), i + 1));
        return (x + Conv(h, convs.Count - 1)).MoveToOuterDisposeScope();
    }

    /// <summary>Whole-image result tile by tile, as the library computes it (no self-ensemble, no clipping).</summary>
    public Tensor Tiled(Tensor batch, Tensor sigmas, int tileSize)
    {
        using var scope = NewDisposeScope();
        int margin = Radius;
        long h = batch.shape[2], w = batch.shape[3];
        var padded = nn.functional.pad(batch, new long[] { margin, margin, margin, margin }, PaddingModes.Reflect);
        var output = empty_like(batch);
        for (long top = 0; top < h; top += tileSize)
        {
            for (long left = 0; left < w; left += tileSize)
            {
                using var tileScope = NewDisposeScope();
                long th = Math.Min(tileSize, h - top), tw = Math.Min(tileSize, w - left);
                var tile = padded.narrow(2, top, th + (2 * margin)).narrow(3, left, tw + (2 * margin));
                output.narrow(2, top, th).narrow(3, left, tw).copy_(Forward(tile, sigmas).narrow(2, margin, th).narrow(3, margin, tw));
            }
        }
        return output.MoveToOuterDisposeScope();
    }

    private Tensor Conv(Tensor x, int i) => PlainConv.Conv2d(x, convs[i].Weight, convs[i].Bias, 1, SafePadding);

    private void Add(IDictionary<string, Tensor> state, string name, bool trainable) =>
        convs.Add((Copy(state[name + ".weight"], trainable), Copy(state[name + ".bias"], trainable)));

    private Tensor Copy(Tensor source, bool trainable)
    {
        var copy = source.detach().clone();
        copy.DetachFromDisposeScope();
        if (!trainable) return copy;
        var parameter = new Parameter(copy, requires_grad: true);
        parameter.DetachFromDisposeScope();
        Parameters.Add(parameter);
        return parameter;
    }
}
