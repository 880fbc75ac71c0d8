namespace Denoising.Flow;

/// <summary>The data-fidelity term of stage 2 (<see cref="DenoiserTrainer.WithDataTerm"/>).</summary>
public enum DataTerm
{
    /// <summary>The paper's term: the mean squared (blurred) residual, mean((B*(D(N) - N))^2).</summary>
    Residual,

    /// <summary>
    /// Stein's unbiased risk estimate of the MSE to the unseen clean image, mean((D(N) - N)^2) - sigma^2 + 2 sigma^2 div D(N),
    /// with sigma each image's noise level and the divergence estimated by Monte Carlo from one Gaussian probe b per step,
    /// b . (D(N + eps b) - D(N)) / eps with eps = sigma / 1000 (Ramani et al. 2008; Soltanayev and Chun 2018). The prior
    /// term and the lambda policy are unchanged (the policy still sees the plain residual). Needs the identity blur; costs a
    /// second forward pass per step. Measured on Set12 against <see cref="Residual"/> with the same network, steps and
    /// seeds: +0.65 / +0.25 / +0.51 dB at sigma 15 / 25 / 50 (docs/results.md).
    /// </summary>
    Sure,
}
