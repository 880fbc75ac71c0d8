using System.Globalization;
using System.Text.RegularExpressions;

namespace Denoising.Flow.Blur;

/// <summary>Parses the built-in kernel descriptors written by <see cref="IBlurKernel.Name"/>.</summary>
internal static partial class BlurKernelDescriptor
{
    /// <summary>Tolerance when checking stored taps against the taps a built-in descriptor rebuilds.</summary>
    private const double TapTolerance = 1e-9;

    /// <summary>True for names reserved by the built-in kernels.</summary>
    public static bool IsBuiltIn(string name) =>
        name == IdentityBlurKernel.KernelName
        || name.StartsWith("gaussian(", StringComparison.Ordinal)
        || name.StartsWith("box(", StringComparison.Ordinal);

    /// <summary>Rebuilds a kernel; see <see cref="BlurKernels.FromDescriptor"/>.</summary>
    public static IBlurKernel Rebuild(string name, double[,] taps)
    {
        ArgumentNullException.ThrowIfNull(name);
        var stored = KernelTaps.From(taps, nameof(taps));
        if (!IsBuiltIn(name))
        {
            return new CustomBlurKernel(taps, name);
        }

        IBlurKernel kernel = name == IdentityBlurKernel.KernelName ? BlurKernels.Identity : ParseParametric(name);
        if (!stored.Matches(KernelTaps.From(kernel.GetTaps(), nameof(taps)), TapTolerance))
        {
            throw new ArgumentException(
                $"The stored taps ({stored.Size}x{stored.Size}) do not match the kernel described by '{name}'.",
                nameof(taps));
        }

        return kernel;
    }

    private static IBlurKernel ParseParametric(string name)
    {
        var gaussian = GaussianPattern().Match(name);
        if (gaussian.Success
            && double.TryParse(gaussian.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var sigma)
            && int.TryParse(gaussian.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var gSize))
        {
            return new GaussianBlurKernel(sigma, gSize);
        }

        var box = BoxPattern().Match(name);
        if (box.Success
            && int.TryParse(box.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var bSize))
        {
            return new BoxBlurKernel(bSize);
        }

        throw new ArgumentException(
            $"Malformed blur kernel descriptor '{name}' (expected e.g. 'gaussian(sigma=1.5,size=11)' or 'box(size=5)').",
            nameof(name));
    }

    [GeneratedRegex(@"^gaussian\(sigma=([^,()]+),size=([0-9]+)\)$", RegexOptions.CultureInvariant)]
    private static partial Regex GaussianPattern();

    [GeneratedRegex(@"^box\(size=([0-9]+)\)$", RegexOptions.CultureInvariant)]
    private static partial Regex BoxPattern();
}
