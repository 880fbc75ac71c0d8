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

    /// <summary>
    /// A three-level UNet in DRUNet's layout (Zhang et al. 2021), without its bias-free convolutions: full, half and quarter
    /// resolution with <see cref="DenoiserNetworkOptions.Width"/>, 2x and 4x as many features, an encoder and a decoder stage of
    /// <see cref="DenoiserNetworkOptions.ResidualBlocks"/> residual blocks at the two upper levels, one stage at the lowest,
    /// additive skips. Each 3x3 convolution costs what a full-resolution one of <see cref="DenoiserNetworkOptions.Width"/> does,
    /// so with B blocks per stage it costs about as much as a <see cref="ResNet"/> of 2.5 B blocks, sees about 20 B pixels on
    /// every side instead of 5 B, and holds far more weights. Images are padded to a multiple of 4 inside.
    /// </summary>
    UNet,
}
