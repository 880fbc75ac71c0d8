using Denoising.Flow.Cli.Imaging;
using FluentAssertions;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Cli.Tests.Imaging;

public class OrientationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Apply_MatchesImageSharpAutoOrient(int orientation)
    {
        const int width = 5, height = 3;
        using var image = new Image<L8>(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image[x, y] = new L8((byte)((y * width) + x));
            }
        }

        image.Metadata.ExifProfile = new ExifProfile();
        image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)orientation);
        using var tensor = arange(width * height, dtype: ScalarType.Float32).reshape(1, height, width);

        image.Mutate(m => m.AutoOrient());
        using var turned = Orientation.Apply(tensor, orientation);

        turned.shape.Should().Equal(1, image.Height, image.Width);
        var values = turned.contiguous().data<float>().ToArray();
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                values[(y * image.Width) + x].Should().Be(image[x, y].PackedValue, $"pixel ({x},{y}) of orientation {orientation}");
            }
        }
    }
}
