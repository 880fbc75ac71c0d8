using System.Collections.Concurrent;
using System.Diagnostics;
using Denoising.Flow.Cli.Batch;
using Denoising.Flow.Cli.Tests.Support;
using Denoising.Flow.Tests.TestSupport;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace Denoising.Flow.Cli.Tests.Batch;

/// <summary>
/// The scale-out contract with real worker processes (dotnet dnflow.dll, one thread each), as a job runner runs them:
/// 4 shards over 40 images equal one worker byte for byte, nothing is written twice, a killed worker restarted finishes
/// its share without redoing finished files, and no partial file is ever visible under its final name.
/// Six process starts take about a minute on a busy two-core machine, so CI leaves it out: run it with
/// <c>DNFLOW_PROCESS_TESTS=1 dotnet test tests/Denoising.Flow.Cli.Tests -c Release --filter ShardProcessTests</c>.
/// </summary>
public class ShardProcessTests(ITestOutputHelper log)
{
    private const int Images = 40, Workers = 4;

    private static readonly byte[] PngEnd = [0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82];

    private static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "dnflow.dll"));
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["CI"] = "true";
        return Process.Start(info)!;
    }

    private static (int Code, string Output) Finish(Process p)
    {
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        p.WaitForExit(120_000).Should().BeTrue("a worker ends within two minutes");
        return (p.ExitCode, output.Result + error.Result);
    }

    private static string Worker(string input, string output, int shard) =>
        string.Join(' ', "denoise", input, "-o", output, "--threads", "1", "--shard", $"{shard}/{Workers}");

    [SkippableFact]
    public async Task Workers_FourProcessesWithAKillAndRestart_CoverTheListOnceAndMatchOneWorkerByteForByte()
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("DNFLOW_PROCESS_TESTS") == "1",
            "Starts six dnflow processes (about a minute): set DNFLOW_PROCESS_TESTS=1 to run it (docs/scale-out.md).");
        using var temp = new TempFolder();
        string input = temp.File("in"), single = temp.File("single"), sharded = temp.File("sharded");
        TestFiles.GrayPngs(input, Images, 96);
        var clock = Stopwatch.StartNew();

        var reference = Finish(Start("denoise", input, "-o", single, "--threads", "1"));
        reference.Code.Should().Be(0, reference.Output);

        // A watcher reads every file that appears under a final name while the workers run: each must be a whole PNG.
        var partial = new ConcurrentBag<string>();
        using var stopWatching = new CancellationTokenSource();
        var watcher = Task.Run(() =>
        {
            while (!stopWatching.IsCancellationRequested)
            {
                foreach (string file in Directory.Exists(sharded) ? Directory.EnumerateFiles(sharded, "*.png") : [])
                {
                    byte[] bytes;
                    try
                    {
                        bytes = File.ReadAllBytes(file);
                    }
                    catch (IOException)
                    {
                        continue;
                    }

                    if (!bytes.AsSpan().EndsWith(PngEnd))
                    {
                        partial.Add(file);
                    }
                }
            }
        });

        // Worker 1 is killed as soon as it has finished its first file, then restarted.
        var workers = Enumerable.Range(0, Workers).Select(i => Start(Worker(input, sharded, i).Split(' '))).ToArray();
        var share1 = new Shard(1, Workers).Select(Enumerable.Range(1, Images).Select(i => $"{i:D2}.png").ToArray());
        while (!share1.Any(n => File.Exists(Path.Combine(sharded, n))) && !workers[1].HasExited)
        {
            Thread.Sleep(2);
        }

        workers[1].HasExited.Should().BeFalse("worker 1 is killed mid-run");
        workers[1].Kill(entireProcessTree: true);
        workers[1].WaitForExit();
        var beforeKill = share1.Where(n => File.Exists(Path.Combine(sharded, n)))
            .ToDictionary(n => n, n => File.GetLastWriteTimeUtc(Path.Combine(sharded, n)));
        beforeKill.Count.Should().BeInRange(1, share1.Count - 1, "the kill came after the first file and before the last");

        foreach (var w in workers.Where((_, i) => i != 1))
        {
            var done = Finish(w);
            done.Code.Should().Be(0, done.Output);
        }

        var restarted = Finish(Start(Worker(input, sharded, 1).Split(' ')));
        restarted.Code.Should().Be(0, restarted.Output);
        stopWatching.Cancel();
        await watcher;
        log.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s; worker 1 killed after {beforeKill.Count} of {share1.Count} files");

        partial.Should().BeEmpty("no partial file is ever visible under its final name");
        Directory.EnumerateFiles(sharded, "*" + AtomicFile.TempSuffix, SearchOption.AllDirectories).Should().BeEmpty();
        var names = Directory.GetFiles(single).Select(f => Path.GetFileName(f)).Order().ToArray();
        names.Should().HaveCount(Images);
        Directory.GetFiles(sharded).Select(f => Path.GetFileName(f)).Order().Should().Equal(names);
        foreach (string name in names)
        {
            File.ReadAllBytes(Path.Combine(sharded, name)).Should().Equal(File.ReadAllBytes(Path.Combine(single, name)), name);
        }

        var manifests = Enumerable.Range(0, Workers)
            .Select(i => ShardManifest.Read(Path.Combine(sharded, ShardManifest.Folder, ShardManifest.FileName(new Shard(i, Workers))))).ToArray();
        var denoised = manifests.SelectMany(m => m.Entries).Where(e => e.Status == ManifestEntry.Denoised).Select(e => e.Key).ToArray();
        var kept = manifests[1].Entries.Where(e => e.Status == ManifestEntry.Existing).Select(e => e.Key).ToArray();
        kept.Should().BeEquivalentTo(beforeKill.Keys, "the restarted worker keeps what it finished before the kill");
        denoised.Concat(kept).Should().OnlyHaveUniqueItems().And.HaveCount(Images, "each file is written once");
        foreach (var (name, written) in beforeKill)
        {
            File.GetLastWriteTimeUtc(Path.Combine(sharded, name)).Should().Be(written, $"{name} is not rewritten");
        }

        Dnflow.Run("merge-manifests", sharded, "--verify").ExitCode.Should().Be(0);
    }
}
