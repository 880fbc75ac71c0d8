using Denoising.Flow.Cli.Batch;
using FluentAssertions;
using Xunit;

namespace Denoising.Flow.Cli.Tests.Batch;

public class ManifestMergeTests
{
    private static readonly string[] Keys = ["a.png", "b.png", "c.png", "d.png", "e.png"];

    private static ShardManifest Shard(int index, int count, string[]? keys = null, bool completed = true) => new()
    {
        ShardIndex = index,
        ShardCount = count,
        ListCount = Keys.Length,
        ListSha256 = InputList.Fingerprint(Keys),
        Completed = completed,
        Entries = new Shard(index, count).Select(keys ?? Keys)
            .Select(k => new ManifestEntry { Key = k, Input = "/in/" + k, Output = "/out/" + k, Status = ManifestEntry.Denoised, Sha256 = "00" })
            .ToArray(),
    };

    [Fact]
    public void Check_AllShards_IsComplete()
    {
        var result = ManifestMerge.Check([Shard(0, 2), Shard(1, 2)], verifyFiles: false);

        result.Problems.Should().BeEmpty();
        result.Done.Should().Be(5);
    }

    [Fact]
    public void Check_MissingDuplicatedOrUnfinishedShards_AreNamed()
    {
        ManifestMerge.Check([Shard(0, 3), Shard(2, 3)], false).Problems.Should().Contain("Missing shard(s): 1/3.");
        ManifestMerge.Check([Shard(0, 2), Shard(0, 2), Shard(1, 2)], false).Problems.Should().Contain("Shard 0/2 appears 2 times.");
        ManifestMerge.Check([Shard(0, 2), Shard(1, 2, completed: false)], false).Problems.Should().Contain(p => p.StartsWith("Shard 1/2 stopped"));
    }

    [Fact]
    public void Check_ShardsOfDifferentLists_AreRefused()
    {
        var other = Shard(1, 2) with { ListSha256 = InputList.Fingerprint(["x.png"]), ListCount = 1 };

        ManifestMerge.Check([Shard(0, 2), other], false).Problems.Should().ContainSingle(p => p.Contains("different input list"));
    }

    [Fact]
    public void Check_Failures_AreListed()
    {
        var failed = Shard(1, 2) with
        {
            Entries = [new ManifestEntry { Key = "b.png", Input = "/in/b.png", Status = ManifestEntry.Failed, Error = "corrupt" },
                new ManifestEntry { Key = "d.png", Input = "/in/d.png", Status = ManifestEntry.Denoised }],
        };

        var result = ManifestMerge.Check([Shard(0, 2), failed], false);

        result.Problems.Should().Equal("Failed: /in/b.png: corrupt");
        result.Failed.Should().Be(1);
    }
}
