using Denoising.Flow.Imaging;
using FluentAssertions;
using Denoising.Flow.Tests.TestSupport;
using Xunit;

namespace Denoising.Flow.Tests.Imaging;

[Collection(ImagingCollection.Name)]
public sealed class ImageIOListImagesTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void ListImages_MixedExtensions_ReturnsImagesSortedOrdinally()
    {
        foreach (string name in new[] { "b.PNG", "a.jpg", "C.Tiff", "d.jpeg", "e.bmp", "f.tga", "g.tif", "h.webp", "i.GIF", "notes.txt", "png" })
        {
            temp.Write(name, [0]);
        }

        Directory.CreateDirectory(temp.File("sub.png"));

        ImageIO.ListImages(temp.Path).Select(Path.GetFileName)
            .Should().Equal("C.Tiff", "a.jpg", "b.PNG", "d.jpeg", "e.bmp", "f.tga", "g.tif", "h.webp", "i.GIF");
    }

    [Fact]
    public void ListImages_MissingFolder_ThrowsDirectoryNotFoundNamingIt()
    {
        string folder = temp.File("nope");

        var act = () => ImageIO.ListImages(folder);

        act.Should().ThrowExactly<DirectoryNotFoundException>().Where(e => e.Message.Contains(folder));
    }

    [Fact]
    public void ListImages_EmptyFolder_ThrowsArgumentException()
    {
        var act = () => ImageIO.ListImages(temp.Path);

        act.Should().ThrowExactly<ArgumentException>()
            .Where(e => e.Message.Contains(temp.Path) && e.Message.Contains("contains no images (looked for .png, .jpg"));
    }

    [Fact]
    public void ListImages_OnlyTextFiles_ThrowsArgumentException()
    {
        temp.Write("readme.txt", [1]);
        temp.Write("png.txt", [1]);

        var act = () => ImageIO.ListImages(temp.Path);

        act.Should().ThrowExactly<ArgumentException>().Where(e => e.Message.Contains("contains no images"));
    }
}
