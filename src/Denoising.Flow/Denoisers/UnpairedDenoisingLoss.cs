using Denoising.Flow.Blur;
using Denoising.Flow.Flows;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Denoisers;

/// <summary>
/// The stage-2 objective of the paper, per image i of a batch of noisy patches N with denoised outputs D(N):
/// <c>loss_i = mean((B*(D(N_i) - N_i))^2) + lambda_i * (-log f_C(P(D(N_i))) / dims)</c>, averaged over the batch.
/// It owns the blurred data term, the frozen prior term and the lambda policy (<see cref="PriorWeight"/>), reports each term,
/// and is the one place where new terms of the objective go. P feeds the prior what it was trained on: the output dequantised,
/// (255 D + u) / 256 with fresh uniform u, for a bounded network output; D clamped to [0, 1] otherwise.
/// No clean image is involved.
/// With <see cref="DataTerm.Sure"/> the residual term is
/// replaced by Stein's unbiased estimate of the MSE to the unseen clean image,
/// <c>mean((D(N_i) - N_i)^2) - sigma_i^2 + 2 sigma_i^2 div_i</c>, where div_i is a Monte-Carlo estimate of the mean divergence
/// of D at N_i (Ramani et al. 2008); the lambda policy still sees the plain residual.
/// </summary>
internal sealed class UnpairedDenoisingLoss
{
    private readonly GlowModel prior;
    private readonly IBlurKernel blur;
    private readonly PriorWeight policy;
    private PriorWeightController weight;
    private readonly bool dequantize;
    private readonly long seed;

    public UnpairedDenoisingLoss(GlowModel prior, IBlurKernel blur, PriorWeight weight, bool dequantizePriorInput, long seed)
    {
        this.prior = prior;
        this.blur = blur;
        policy = weight;
        this.weight = weight.CreateController(null);
        dequantize = dequantizePriorInput;
        this.seed = seed;
    }

    /// <summary>The adapted state of the lambda policy (checkpointed), or null.</summary>
    public PriorWeightState? WeightState => weight.State;

    /// <summary>Restarts the lambda policy from a checkpointed state (from its start when null).</summary>
    public void Restore(PriorWeightState? state) => weight = policy.CreateController(state);

    /// <summary>
    /// The terms of one step. <paramref name="sigmas"/> are the images' noise levels on the [0, 1] scale;
    /// <paramref name="divergence"/>, when given [B], is each image's mean divergence of D and selects the SURE data term.
    /// </summary>
    public Terms Compute(long step, Tensor output, Tensor noisy, double[] sigmas, Tensor? divergence = null)
    {
        using var scope = NewDisposeScope();
        var data = blur.Apply(output - noisy).square().mean(new long[] { 1, 2, 3 });
        double dims = output.shape[1] * output.shape[2] * output.shape[3];
        var priorTerm = -prior.LogLikelihood(PriorInput(step, output)) / dims;
        double[] lambdas = weight.Weights(step, sigmas, blur.SumOfSquaredTaps);
        var fit = data;
        if (divergence is not null)
        {
            var variance = tensor(sigmas.Select(s => s * s).ToArray(), dtype: output.dtype, device: output.device);
            fit = data - variance + (2 * variance * divergence);
        }

        var total = (fit + tensor(lambdas, dtype: output.dtype, device: output.device) * priorTerm).mean();
        return new Terms(total.MoveToOuterDisposeScope(), data.MoveToOuterDisposeScope(), priorTerm.MoveToOuterDisposeScope(), lambdas);
    }

    /// <summary>Lets the lambda policy see the step's data terms (after the optimizer step).</summary>
    public void Observe(long step, double[] dataTerms, double[] sigmas) => weight.Observe(step, dataTerms, sigmas, blur.SumOfSquaredTaps);

    private Tensor PriorInput(long step, Tensor output)
    {
        if (!dequantize) return output.clamp(0, 1);
        using var generator = new Generator((ulong)(seed * 7_919 + step));
        var u = rand(output.shape, dtype: output.dtype, generator: generator).to(output.device);
        return (output * 255 + u) / 256;
    }

    /// <summary>The loss to minimise, the per-image data and prior terms [B], and the per-image lambdas used.</summary>
    public sealed record Terms(Tensor Total, Tensor Data, Tensor Prior, double[] Lambdas);
}
