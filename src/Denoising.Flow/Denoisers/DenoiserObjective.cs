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
    int batchSize, Device device, ILogger logger, bool sure = false, long seed = 0) : ITrainingObjective
{
    /// <summary>The SURE probe's step, relative to each image's noise level (Soltanayev and Chun: about sigma / 1000).</summary>
    internal const double SureEpsilonPerSigma = 1e-3;

    private double[] stepSigmas = Array.Empty<double>();

    public BatchLoss Compute(long step)
    {
        var (cpuBatch, sources) = sampler.Sample(step, batchSize, CPU);
        var noisy = cpuBatch.to(device);
        stepSigmas = sources.Select(i => sigmas255[i] / 255.0).ToArray();
        var networkSigmas = network.Options.NoiseLevelInput ? tensor(stepSigmas, dtype: noisy.dtype, device: device) : null;
        var output = network.Forward(noisy, networkSigmas);
        var terms = loss.Compute(step, output, noisy, stepSigmas, sure ? Divergence(step, noisy, output, networkSigmas) : null);
        var data = terms.Data.detach().cpu().to(ScalarType.Float64).data<double>().ToArray();
        double prior = terms.Prior.mean().ToDouble();
        return new BatchLoss(terms.Total, data.Average(), prior, Internal.BitsPerDim.FromNats(prior), terms.Lambdas.Average()) { PerSample = data };
    }

    /// <summary>
    /// Monte-Carlo divergence per image [B]: b . (D(N + eps b) - D(N)) / (eps P), one Gaussian probe b per step, eps_i =
    /// sigma_i / 1000 (at least 1e-5 on the [0, 1] scale), P the number of values per image.
    /// </summary>
    private Tensor Divergence(long step, Tensor noisy, Tensor output, Tensor? networkSigmas)
    {
        using var generator = new Generator((ulong)((seed * 104_729) + step));
        var probe = randn(noisy.shape, dtype: noisy.dtype, generator: generator).to(noisy.device);
        var eps = tensor(stepSigmas.Select(s => Math.Max(s, 1e-2) * SureEpsilonPerSigma).ToArray(), dtype: noisy.dtype, device: noisy.device).view(-1, 1, 1, 1);
        var perturbed = network.Forward(noisy + (eps * probe), networkSigmas);
        double values = noisy.shape[1] * noisy.shape[2] * noisy.shape[3];
        return (probe * (perturbed - output) / eps).sum(new long[] { 1, 2, 3 }) / values;
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
