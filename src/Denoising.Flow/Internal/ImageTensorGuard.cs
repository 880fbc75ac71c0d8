using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Internal;

/// <summary>Argument checks shared by the tensor entry points ([C,H,W] images and [B,C,H,W] batches).</summary>
internal static class ImageTensorGuard
{
    /// <summary>Throws unless <paramref name="images"/> is a floating-point [C,H,W] or [B,C,H,W] tensor.</summary>
    public static void ImageOrBatch(Tensor images, string paramName)
    {
        ArgumentNullException.ThrowIfNull(images, paramName);
        if (images.dim() is not (3 or 4))
        {
            throw new ArgumentException(
                $"Expected an image [C,H,W] or a batch [B,C,H,W]; got shape {Shapes.Format(images.shape)}.", paramName);
        }

        FloatingPoint(images, paramName);
    }

    /// <summary>Throws unless <paramref name="images"/> is a floating-point [B,C,H,W] tensor.</summary>
    public static void Batch(Tensor images, string paramName)
    {
        ArgumentNullException.ThrowIfNull(images, paramName);
        if (images.dim() != 4)
        {
            throw new ArgumentException(
                $"Expected a batch [B,C,H,W]; got shape {Shapes.Format(images.shape)}.", paramName);
        }

        FloatingPoint(images, paramName);
    }

    /// <summary>Throws unless <paramref name="image"/> is a floating-point [C,H,W] tensor.</summary>
    public static void Image(Tensor image, string paramName)
    {
        ArgumentNullException.ThrowIfNull(image, paramName);
        if (image.dim() != 3)
        {
            throw new ArgumentException(
                $"Expected an image [C,H,W]; got shape {Shapes.Format(image.shape)}.", paramName);
        }

        FloatingPoint(image, paramName);
    }

    /// <summary>Throws unless both tensors have the same shape; the message names both.</summary>
    public static void SameShape(Tensor image, Tensor reference, string imageName, string referenceName)
    {
        if (!image.shape.SequenceEqual(reference.shape))
        {
            throw new ArgumentException(
                $"Shapes must match: {imageName} is {Shapes.Format(image.shape)}, {referenceName} is {Shapes.Format(reference.shape)}.",
                referenceName);
        }
    }

    /// <summary>Formats a shape as [a,b,c].</summary>

    private static void FloatingPoint(Tensor images, string paramName)
    {
        if (!torch.is_floating_point(images.dtype))
        {
            throw new ArgumentException($"Expected a floating-point tensor; got {images.dtype}.", paramName);
        }
    }
}
