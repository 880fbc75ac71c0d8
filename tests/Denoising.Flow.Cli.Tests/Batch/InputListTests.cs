using Denoising.Flow.Cli.Batch;
using Denoising.Flow.Tests.TestSupport;
using FluentAssertions;
using Xunit;

namespace Denoising.Flow.Cli.Tests.Batch;

public class InputListTests
{
    private static void Touch(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, [1]);
    }

    [Fact]
    public void Resolve_Folder_TakesImagesSortedAndSkipsHiddenAndOtherFiles()
    {
        using var temp = new TempFolder();
        foreach (string name in new[] { "b.png", "a.JPG", "c.txt", ".a.png.1.x.dnflow-tmp", "sub/d.png" })
        {
            Touch(temp.File(name));
        }

        InputList.Resolve([temp.Path], recursive: false).Select(i => i.Key).Should().Equal("a.JPG", "b.png");
        InputList.Resolve([temp.Path], recursive: true).Select(i => i.Key).Should().Equal("a.JPG", "b.png", "sub/d.png");
    }

    [Fact]
    public void Resolve_OutputFolderInsideTheInput_IsLeftOut()
    {
        using var temp = new TempFolder();
        Touch(temp.File("a.png"));
        Touch(temp.File("out/a.png"));

        InputList.Resolve([temp.Path], recursive: true, exclude: temp.File("out")).Select(i => i.Key).Should().Equal("a.png");
    }

    [Fact]
    public void Resolve_Globs_MatchWithinAndAcrossFolders()
    {
        using var temp = new TempFolder();
        foreach (string name in new[] { "x/1.png", "x/2.tif", "x/y/3.png", "x/y/z/4.png" })
        {
            Touch(temp.File(name));
        }

        string root = temp.File("x");
        InputList.Resolve([root + "/*.png"], recursive: false).Select(i => i.Key).Should().Equal("1.png");
        InputList.Resolve([root + "/**/*.png"], recursive: false).Select(i => i.Key).Should().Equal("1.png", "y/3.png", "y/z/4.png");
        InputList.Resolve([root + "/?.tif"], recursive: false).Select(i => i.Key).Should().Equal("2.tif");
    }

    [Fact]
    public void Resolve_SameNameFromTwoFolders_IsRefusedNamingBoth()
    {
        using var temp = new TempFolder();
        Touch(temp.File("a/1.png"));
        Touch(temp.File("b/1.png"));

        FluentActions.Invoking(() => InputList.Resolve([temp.File("a"), temp.File("b")], false))
            .Should().Throw<ArgumentException>().WithMessage("Two inputs would write the same output '1.png'*");
    }

    [Fact]
    public void Resolve_NothingMatches_SaysWhichArgument()
    {
        using var temp = new TempFolder();
        FluentActions.Invoking(() => InputList.Resolve([temp.File("missing.png")], false))
            .Should().Throw<ArgumentException>().WithMessage("Input '*missing.png' is not a file, a folder or a glob that exists.");
        FluentActions.Invoking(() => InputList.Resolve([temp.Path], false))
            .Should().Throw<ArgumentException>().WithMessage("*holds no images*");
    }

    [Fact]
    public void Fingerprint_DependsOnTheKeysNotTheirOrder() =>
        InputList.Fingerprint(["b", "a"]).Should().Be(InputList.Fingerprint(["a", "b"])).And.NotBe(InputList.Fingerprint(["a", "c"]));
}
