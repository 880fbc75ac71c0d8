using Denoising.Flow.Imaging;
using Denoising.Flow.Internal;
using static TorchSharp.torch;

namespace Denoising.Flow;

/// <summary>Where training images come from: a folder, a list of files, or tensors [C, H, W] in [0, 1]. Read when training starts.</summary>
public abstract class ImageSource
{
    private ImageSource() { }

    /// <summary>Every image file in <paramref name="folder"/> (PNG, JPEG, BMP, TGA, TIFF, WebP, GIF), in ordinal name order.</summary>
    public static ImageSource FromFolder(string folder) => new FolderSource(folder ?? throw new ArgumentNullException(nameof(folder)));

    /// <summary>The given image files.</summary>
    public static ImageSource FromFiles(IEnumerable<string> files) => new FilesSource((files ?? throw new ArgumentNullException(nameof(files))).ToArray());

    /// <summary>Images already in memory, [C, H, W] with values in [0, 1]; they are copied to the CPU as float32.</summary>
    public static ImageSource FromTensors(IEnumerable<Tensor> images) => new TensorSource((images ?? throw new ArgumentNullException(nameof(images))).ToArray());

    /// <summary>A short description for logs and messages.</summary>
    public abstract string Description { get; }

    /// <summary>
    /// Loads the images as float32 CPU tensors [channels, H, W]. Cancellation is checked before each file; on cancellation
    /// or any failure the images already loaded are disposed.
    /// </summary>
    internal abstract IReadOnlyList<(string Name, Tensor Image)> Load(int channels, ImageReadOptions? readOptions, Microsoft.Extensions.Logging.ILogger logger, CancellationToken cancellationToken);

    private sealed class FolderSource(string folder) : ImageSource
    {
        public override string Description => $"folder '{folder}'";

        internal override IReadOnlyList<(string Name, Tensor Image)> Load(int channels, ImageReadOptions? readOptions, Microsoft.Extensions.Logging.ILogger logger, CancellationToken cancellationToken) =>
            new FilesSource(ImageIO.ListImages(folder).ToArray()).Load(channels, readOptions, logger, cancellationToken);
    }

    private sealed class FilesSource(string[] files) : ImageSource
    {
        public override string Description => $"{files.Length} file(s)";

        internal override IReadOnlyList<(string Name, Tensor Image)> Load(int channels, ImageReadOptions? readOptions, Microsoft.Extensions.Logging.ILogger logger, CancellationToken cancellationToken)
        {
            if (files.Length == 0) throw new ArgumentException("The list of image files is empty.");
            var options = new ImageReadOptions { MaxPixels = readOptions?.MaxPixels ?? ImageReadOptions.DefaultMaxPixels, ColorMode = ImageColorMode.Auto };
            var result = new List<(string, Tensor)>();
            try
            {
                foreach (var file in files)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var image = ImageIO.Read(file, options, logger);
                    if (image.shape[0] != channels)
                    {
                        image.Dispose();
                        throw new ArgumentException(
                            $"Image '{file}' has {(channels == 1 ? "3 channels (color)" : "1 channel (grayscale)")} but the model takes {channels} channel(s) " +
                            $"({(channels == 1 ? "grayscale" : "color")}): convert the images or configure a model with matching channels.");
                    }
                    result.Add((file, image));
                }
                return result;
            }
            catch
            {
                foreach (var (_, image) in result) image.Dispose();
                throw;
            }
        }
    }

    private sealed class TensorSource(Tensor[] images) : ImageSource
    {
        public override string Description => $"{images.Length} tensor(s)";

        internal override IReadOnlyList<(string Name, Tensor Image)> Load(int channels, ImageReadOptions? readOptions, Microsoft.Extensions.Logging.ILogger logger, CancellationToken cancellationToken)
        {
            if (images.Length == 0) throw new ArgumentException("The list of image tensors is empty.");
            var result = new List<(string, Tensor)>();
            for (int i = 0; i < images.Length; i++)
            {
                var image = images[i];
                string name = $"tensor #{i}";
                if (image.dim() != 3)
                    throw new ArgumentException($"Image {name} must be [C, H, W], got shape {Shapes.Of(image)}.");
                if (image.shape[0] != channels)
                    throw new ArgumentException($"Image {name} has {image.shape[0]} channel(s) but the model takes {channels}.");
                using var scope = NewDisposeScope();
                var copy = image.detach().to(ScalarType.Float32).cpu().clone();
                if (copy.isnan().any().item<bool>()) throw new ArgumentException($"Image {name} contains NaN values.");
                result.Add((name, copy.MoveToOuterDisposeScope()));
            }
            return result;
        }
    }
}
