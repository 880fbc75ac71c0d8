using System.CommandLine;
using System.Text.Json;
using Denoising.Flow.Cli.Batch;
using Denoising.Flow.Cli.Console;

namespace Denoising.Flow.Cli.Commands;

/// <summary><c>dnflow merge-manifests PATHS</c>: do the shards cover the list exactly once?</summary>
internal static class MergeManifestsCommand
{
    public static Command Create(Terminal terminal)
    {
        var paths = new Argument<string[]>("manifests")
        {
            Description = "Manifest files, or folders (an output folder's .dnflow/ manifests are found).",
            Arity = ArgumentArity.OneOrMore,
        };
        var verify = new Option<bool>("--verify") { Description = "Also check that every output exists with its recorded SHA-256." };
        var output = new Option<string?>("--output", "-o") { Description = "Write the merged manifest (all entries) to this file." };
        var command = new Command("merge-manifests", "Check that the manifests of a sharded run cover its input list exactly once.") { paths, verify, output };
        command.SetAction(parse =>
        {
            var files = Expand(parse.GetValue(paths)!);
            var manifests = files.Select(ShardManifest.Read).ToArray();
            var result = ManifestMerge.Check(manifests, parse.GetValue(verify));
            if (parse.GetValue(output) is { } merged)
            {
                AtomicFile.Write(merged, s => JsonSerializer.Serialize(s, new
                {
                    complete = result.Complete, listCount = result.ListCount, shards = manifests.Length, result.Problems, entries = result.Entries,
                }, ShardManifest.JsonOptions));
            }

            terminal.Line($"{manifests.Length} manifest(s), {result.ListCount} input(s) in the list: {result.Done} done, {result.Failed} failed.");
            foreach (string problem in result.Problems)
            {
                terminal.Warn("  " + problem);
            }

            terminal.Line(result.Complete ? "Complete: every input was denoised exactly once." : "Incomplete.");
            return result.Complete ? ExitCodes.Success : ExitCodes.Failures;
        });
        return command;
    }

    private static IReadOnlyList<string> Expand(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (string path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(path);
            }
            else if (Directory.Exists(path))
            {
                string folder = Directory.Exists(Path.Combine(path, ShardManifest.Folder)) ? Path.Combine(path, ShardManifest.Folder) : path;
                var found = Directory.EnumerateFiles(folder, "manifest-*-of-*.json").Order(StringComparer.Ordinal).ToArray();
                if (found.Length == 0)
                {
                    throw new UsageException($"No manifest-I-of-N.json files in '{folder}'.");
                }

                files.AddRange(found);
            }
            else
            {
                throw new UsageException($"'{path}' is neither a manifest file nor a folder.");
            }
        }

        return files;
    }
}
