namespace Denoising.Flow.Cli.Batch;

/// <summary>
/// Writes a file under a temporary name in its folder (".NAME.PID.RANDOM.dnflow-tmp"), flushes it to disk and renames it,
/// so that a file under its final name is always complete. Temporaries of killed writers are removed on the next run.
/// </summary>
internal static class AtomicFile
{
    public const string TempSuffix = ".dnflow-tmp";

    /// <summary>Creates or replaces <paramref name="path"/> with what <paramref name="write"/> writes.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        string temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Removes temporaries left for <paramref name="path"/> by writers that died (only this name's).</summary>
    public static void RemoveStaleTemporaries(string path)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
        {
            return;
        }

        foreach (string stale in Directory.EnumerateFiles(folder, $".{Path.GetFileName(full)}.*{TempSuffix}"))
        {
            File.Delete(stale);
        }
    }
}
