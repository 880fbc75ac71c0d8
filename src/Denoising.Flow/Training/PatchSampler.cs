using Denoising.Flow.Internal;
using static TorchSharp.torch;

namespace Denoising.Flow.Training;

/// <summary>
/// Random square crops from a set of images, with optional flips and 90-degree rotations (the 8 symmetries of the
/// square). Deterministic for a given seed and step, so a resumed run draws the same patches as an uninterrupted one.
/// </summary>
internal sealed class PatchSampler
{
    private readonly IReadOnlyList<Tensor> images;
    private readonly int patchSize;
    private readonly bool augment;
    private readonly long seed;

    public PatchSampler(IReadOnlyList<(string Name, Tensor Image)> images, int patchSize, bool augment, long seed)
    {
        foreach (var (name, image) in images)
        {
            if (image.shape[1] < patchSize || image.shape[2] < patchSize)
                throw new ArgumentException($"Image {name} is {image.shape[2]}x{image.shape[1]} (WxH), smaller than the {patchSize}x{patchSize} training patch.");
        }
        this.images = images.Select(i => i.Image).ToArray();
        this.patchSize = patchSize;
        this.augment = augment;
        this.seed = seed;
    }

    public int Count => images.Count;

    /// <summary>A batch [B, C, P, P] on <paramref name="device"/> and the index of the image each patch came from.</summary>
    public (Tensor Batch, int[] Sources) Sample(long step, int batchSize, Device device)
    {
        var random = new Random(unchecked((int)(seed * 1_000_003 + step * 7_919)) ^ (int)(step >> 32));
        var sources = new int[batchSize];
        using var scope = NewDisposeScope();
        var patches = new Tensor[batchSize];
        for (int b = 0; b < batchSize; b++)
        {
            int index = random.Next(images.Count);
            var image = images[index];
            int top = random.Next((int)image.shape[1] - patchSize + 1);
            int left = random.Next((int)image.shape[2] - patchSize + 1);
            var patch = image.narrow(1, top, patchSize).narrow(2, left, patchSize);
            if (augment)
            {
                patch = SquareSymmetry.Apply(patch, random.Next(SquareSymmetry.Count));
            }
            patches[b] = patch;
            sources[b] = index;
        }
        return (stack(patches).to(device).contiguous().MoveToOuterDisposeScope(), sources);
    }
}
