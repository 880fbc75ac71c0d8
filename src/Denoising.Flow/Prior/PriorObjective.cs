using Denoising.Flow.Flows;
using Denoising.Flow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Prior;

/// <summary>Stage 1's per-batch loss: bits per dimension of a batch of clean patches, dequantised when the data is 8-bit.</summary>
internal sealed class PriorObjective(GlowModel model, PatchSampler sampler, int batchSize, bool dequantize, long seed, Device device) : ITrainingObjective
{
    public BatchLoss Compute(long step)
    {
        var (batch, _) = sampler.Sample(step, batchSize, CPU);
        if (dequantize) batch = LogitTransform.Dequantize(batch, new Generator((ulong)(seed * 7_777 + step)));
        var loss = model.BitsPerDim(batch.to(device)).mean();
        double value = loss.ToDouble();
        return new BatchLoss(loss, 0, value, value, 0);
    }
}
