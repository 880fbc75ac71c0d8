using System.Text.Json;
using Denoising.Flow.Persistence;
using Denoising.Flow.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Denoisers;

/// <summary>
/// Stage 2's per-batch loss: a batch of noisy patches (each with its image's noise level), the network's output, and the
/// unpaired objective <see cref="UnpairedDenoisingLoss"/> on them. After each step the lambda policy sees the data terms.
/// </summary>
internal sealed class DenoiserObjective(DenoiserNetwork network, UnpairedDenoisingLoss loss, PatchSampler sampler, double[] sigmas255,
    int batchSize, Device device, ILogger logger) : ITrainingObjective
{
    private double[] stepSigmas = Array.Empty<double>();

    public BatchLoss Compute(long step)
    {
        var (cpuBatch, sources) = sampler.Sample(step, batchSize, CPU);
        var noisy = cpuBatch.to(device);
        stepSigmas = sources.Select(i => sigmas255[i] / 255.0).ToArray();
        var networkSigmas = network.Options.NoiseLevelInput ? tensor(stepSigmas, dtype: noisy.dtype, device: device) : null;
        var output = network.Forward(noisy, networkSigmas);
        var terms = loss.Compute(step, output, noisy, stepSigmas);
        var data = terms.Data.detach().cpu().to(ScalarType.Float64).data<double>().ToArray();
        double prior = terms.Prior.mean().ToDouble();
        return new BatchLoss(terms.Total, data.Average(), prior, Internal.BitsPerDim.FromNats(prior), terms.Lambdas.Average()) { PerSample = data };
    }

    public void Completed(long step, BatchLoss batch)
    {
        loss.Observe(step, batch.PerSample, stepSigmas);
        if (step < 300 && step % 10 == 0)
            logger.LogDebug("Denoiser step {Step}: lambda {Lambda:G4}, gamma {Gamma:G4}, data {Data:G4}", step, batch.PriorWeight, loss.WeightState?.Gamma, batch.DataTerm);
    }

    public JsonElement? State => loss.WeightState is { } state ? JsonSerializer.SerializeToElement(state, Json.Options) : null;

    public void Restore(JsonElement? state) => loss.Restore(state?.Deserialize<PriorWeightState>(Json.Options));
}
