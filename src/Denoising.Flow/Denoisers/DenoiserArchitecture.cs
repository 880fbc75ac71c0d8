namespace Denoising.Flow;

/// <summary>The body of the denoiser network D (see <see cref="DenoiserNetworkOptions"/>).</summary>
public enum DenoiserArchitecture
{
    /// <summary>
    /// The paper's ResNet at full resolution: conv 3x3, <see cref="DenoiserNetworkOptions.ResidualBlocks"/> blocks of
    /// conv-ReLU-conv with a skip, conv 3x3. About 2 x 9 x width^2 x blocks multiply-adds per pixel.
    /// </summary>
    ResNet,

    /// <summary>
    /// FFDNet's layout (Zhang et al. 2018): the image is pixel-unshuffled into four half-resolution sub-images (with the noise
    /// map as one more channel), the body works at half resolution, and the result is shuffled back: a quarter of the compute
    /// per layer and twice the receptive field of the same body at full resolution. The body is the ResNet's residual blocks
    /// rather than FFDNet's plain conv-BN-ReLU stack, which without batch normalisation did not train here.
    /// </summary>
    FfdNet,
}
