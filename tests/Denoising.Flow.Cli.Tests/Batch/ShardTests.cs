using Denoising.Flow.Cli.Batch;
using FluentAssertions;
using Xunit;

namespace Denoising.Flow.Cli.Tests.Batch;

public class ShardTests
{
    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("3/4", 3, 4)]
    [InlineData("10/100", 10, 100)]
    public void Parse_IOverN_GivesIndexAndCount(string text, int index, int count) =>
        Shard.Parse(text).Should().Be(new Shard(index, count));

    [Theory]
    [InlineData("4/4")]
    [InlineData("-1/4")]
    [InlineData("1/0")]
    [InlineData("1")]
    [InlineData("a/b")]
    [InlineData("1/2/3")]
    [InlineData(" 1/2")]
    public void Parse_NotIBelowN_ThrowsWithTheRule(string text) =>
        FluentActions.Invoking(() => Shard.Parse(text)).Should().Throw<FormatException>().WithMessage("--shard must be I/N with 0 <= I < N*");

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 4)]
    [InlineData(7, 3)]
    [InlineData(40, 4)]
    [InlineData(41, 7)]
    public void Select_AllShards_CoverTheListExactlyOnceInOrder(int items, int count)
    {
        var list = Enumerable.Range(0, items).ToArray();
        var shares = Enumerable.Range(0, count).Select(i => new Shard(i, count).Select(list)).ToArray();

        shares.SelectMany(s => s).Order().Should().Equal(list);
        shares.Should().AllSatisfy(s => s.Should().BeInAscendingOrder());
        shares.Select(s => s.Count).Should().OnlyContain(c => c >= items / count && c <= (items / count) + 1);
    }
}
