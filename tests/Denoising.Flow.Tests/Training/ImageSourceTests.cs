using Denoising.Flow.Imaging;
using Denoising.Flow.Tests.TestSupport;
using Denoising.Flow.Training;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Training;

public sealed class ImageSourceTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void FromFolder_Missing_ThrowsDirectoryNotFound()
    {
        var act = () => ImageSource.FromFolder(folder.File("nope")).Load(1, null, NullLogger.Instance, CancellationToken.None);
        act.Should().Throw<DirectoryNotFoundException>().WithMessage("*nope*");
    }

    [Fact]
    public void FromFolder_Empty_ThrowsNoImages()
    {
        var act = () => ImageSource.FromFolder(folder.Path).Load(1, null, NullLogger.Instance, CancellationToken.None);
        act.Should().Throw<ArgumentException>().WithMessage("*contains no images*");
    }

    [Fact]
    public void FromFolder_WithUnreadableImage_ThrowsNamingFile()
    {
        File.WriteAllBytes(folder.File("broken.png"), new byte[] { 0x89, 0x50, 0x4E, 0x47, 1, 2, 3 });
        var act = () => ImageSource.FromFolder(folder.Path).Load(1, null, NullLogger.Instance, CancellationToken.None);
        act.Should().Throw<ImageReadException>().WithMessage("*broken.png*");
    }

    [Fact]
    public void FromFiles_ColorImageForGrayscaleModel_ThrowsChannelMismatch()
    {
        using var scope = NewDisposeScope();
        ImageIO.WritePng(rand(3, 8, 8), folder.File("color.png"));
        var act = () => ImageSource.FromFiles(new[] { folder.File("color.png") }).Load(1, null, NullLogger.Instance, CancellationToken.None);
        act.Should().Throw<ArgumentException>().WithMessage("*color.png*3 channels*model takes 1*");
    }

    [Fact]
    public void FromFolder_Cancelled_StopsBeforeReadingTheNextFile()
    {
        using var scope = NewDisposeScope();
        ImageIO.WritePng(rand(1, 8, 8), folder.File("a.png"));
        File.WriteAllBytes(folder.File("b.png"), new byte[] { 1, 2, 3 }); // Would be refused if it were read.
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        var act = () => ImageSource.FromFolder(folder.Path).Load(1, null, NullLogger.Instance, cancel.Token);

        act.Should().Throw<OperationCanceledException>();
    }

    [Fact]
    public void FromTensors_WrongRankChannelsOrNaN_Throw()
    {
        using var scope = NewDisposeScope();
        var rank = () => ImageSource.FromTensors(new[] { rand(1, 1, 8, 8) }).Load(1, null, NullLogger.Instance, CancellationToken.None);
        rank.Should().Throw<ArgumentException>().WithMessage("*[C, H, W]*[1, 1, 8, 8]*");
        var channels = () => ImageSource.FromTensors(new[] { rand(3, 8, 8) }).Load(1, null, NullLogger.Instance, CancellationToken.None);
        channels.Should().Throw<ArgumentException>().WithMessage("*3 channel(s)*takes 1*");
        var nan = full(1, 8, 8, float.NaN);
        var nans = () => ImageSource.FromTensors(new[] { nan }).Load(1, null, NullLogger.Instance, CancellationToken.None);
        nans.Should().Throw<ArgumentException>().WithMessage("*NaN*");
        var empty = () => ImageSource.FromTensors(Array.Empty<Tensor>()).Load(1, null, NullLogger.Instance, CancellationToken.None);
        empty.Should().Throw<ArgumentException>().WithMessage("*empty*");
    }
}
