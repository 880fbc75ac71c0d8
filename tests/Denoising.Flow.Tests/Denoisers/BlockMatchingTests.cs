using Denoising.Flow.Denoisers;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Denoisers;

public sealed class BlockMatchingTests
{
    [Fact]
    public void Match_KeepsTheNearestPatchesInTheWindow_ReferenceFirst()
    {
        using var scope = NewDisposeScope();
        const int p = BlockMatching.PatchSize, s = BlockMatching.SearchRadius;
        var image = rand(new long[] { 34, 45 }, generator: new Generator(3));
        long hp = 34 - p + 1, wp = 45 - p + 1;
        int k = BlockMatching.GroupSizeFor(hp, wp, CollaborativeWiener.GroupSize);
        var rows = BlockMatching.ReferenceCoordinates(hp);
        var columns = BlockMatching.ReferenceCoordinates(wp);
        var (groupRows, groupColumns) = BlockMatching.Match(image, rows, columns, k);
        groupRows.shape.Should().Equal(k, rows.Length * columns.Length);
        var data = image.to(float64).data<double>().ToArray();
        double Distance(long r0, long c0, long r1, long c1)
        {
            double sum = 0;
            for (int a = 0; a < p; a++)
                for (int b = 0; b < p; b++)
                {
                    double d = data[((r0 + a) * 45) + c0 + b] - data[((r1 + a) * 45) + c1 + b];
                    sum += d * d;
                }
            return sum;
        }
        var gr = groupRows.data<long>().ToArray();
        var gc = groupColumns.data<long>().ToArray();
        int reference = 0, count = rows.Length * columns.Length;
        foreach (long r in rows)
            foreach (long c in columns)
            {
                // Brute force: every patch inside the image and inside the window, by distance.
                var all = new List<double>();
                for (long rr = Math.Max(0, r - s); rr <= Math.Min(hp - 1, r + s); rr++)
                    for (long cc = Math.Max(0, c - s); cc <= Math.Min(wp - 1, c + s); cc++)
                        all.Add(Distance(r, c, rr, cc));
                all.Sort();
                gr[reference].Should().Be(r, "the reference heads its group");
                gc[reference].Should().Be(c);
                var chosen = Enumerable.Range(0, k).Select(j => (Row: gr[(j * count) + reference], Column: gc[(j * count) + reference])).ToArray();
                chosen.Should().OnlyContain(m => m.Row >= 0 && m.Row < hp && m.Column >= 0 && m.Column < wp && Math.Abs(m.Row - r) <= s && Math.Abs(m.Column - c) <= s);
                chosen.Distinct().Should().HaveCount(k);
                var distances = chosen.Select(m => Distance(r, c, m.Row, m.Column)).OrderBy(d => d).ToArray();
                distances.Should().Equal(all.Take(k), (x, y) => Math.Abs(x - y) < 1e-4, "the group holds the k nearest patches");
                reference++;
            }
    }

    [Theory]
    [InlineData(100, 100, 32, 32)]
    [InlineData(3, 5, 32, 8)]      // a 10 x 12 image: 15 positions, the largest power of two below
    [InlineData(4, 4, 32, 16)]
    [InlineData(1, 1, 16, 1)]
    [InlineData(30, 1, 16, 16)]
    public void GroupSizeFor_IsTheGroupSizeOrEveryPositionTheCornerWindowHolds(long hp, long wp, int groupSize, int expected) =>
        BlockMatching.GroupSizeFor(hp, wp, groupSize).Should().Be(expected);

    [Fact]
    public void ReferenceCoordinates_EveryStridePlusTheLast()
    {
        BlockMatching.ReferenceCoordinates(10).Should().Equal(0, 3, 6, 9);
        BlockMatching.ReferenceCoordinates(11).Should().Equal(0, 3, 6, 9, 10);
        BlockMatching.ReferenceCoordinates(1).Should().Equal(0);
    }
}
