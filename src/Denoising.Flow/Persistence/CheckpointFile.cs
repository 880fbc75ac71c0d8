using System.Security.Cryptography;
using System.Text;

namespace Denoising.Flow.Persistence;

/// <summary>
/// The one file format of the library's models and training checkpoints:
/// magic, format version, kind, configuration JSON, state JSON, then length-prefixed binary sections
/// (TorchSharp module state, optimizer state), and a SHA-256 of everything before it.
/// Written atomically: to a temporary file in the same folder, flushed, then renamed over the target,
/// so an interrupted write never damages the previous file.
/// </summary>
internal static class CheckpointFile
{
    public const int FormatVersion = 1;
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("DNFLOW\r\n");

    public sealed record Contents(string Kind, int Version, string ConfigJson, string StateJson, IReadOnlyList<byte[]> Sections);

    public static void Write(string path, string kind, string configJson, string stateJson, params byte[][] sections)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(kind);
            writer.Write(configJson);
            writer.Write(stateJson);
            writer.Write(sections.Length);
            foreach (var section in sections)
            {
                writer.Write((long)section.Length);
                writer.Write(section);
            }
        }
        byte[] hash = SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        buffer.Write(hash);

        RemoveStaleTemporaries(full);
        string temporary = full + $".tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                buffer.Position = 0;
                buffer.CopyTo(file);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>
    /// Deletes temporary files of earlier writes of <paramref name="full"/> left behind by a process that was killed while
    /// writing (the name carries the writer's process id; files of running processes are left alone).
    /// </summary>
    internal static void RemoveStaleTemporaries(string full)
    {
        string? folder = Path.GetDirectoryName(full);
        if (folder is null || !Directory.Exists(folder)) return;
        string prefix = Path.GetFileName(full) + ".tmp-";
        foreach (var file in Directory.EnumerateFiles(folder, prefix + "*"))
        {
            string rest = Path.GetFileName(file)[prefix.Length..];
            int dash = rest.IndexOf('-');
            if (dash <= 0 || !int.TryParse(rest[..dash], out int pid) || IsRunning(pid)) continue;
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
                // Another process is cleaning up too, or the file is in use: leave it for the next save.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours to delete.
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    public static Contents Read(string path, string expectedKind)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Model or checkpoint file '{path}' does not exist.", path);
        long length = new FileInfo(path).Length;
        if (length > ModelLimits.MaxFileBytes)
            throw new CheckpointException(path, $"it is {length / (1 << 20)} MiB, more than the {ModelLimits.MaxFileBytes >> 20} MiB a model or checkpoint may be; it was not read.");
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < Magic.Length + 32 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new CheckpointException(path, "it is not a Denoising.Flow model or checkpoint file.");
        var payload = bytes.AsSpan(0, bytes.Length - 32);
        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)))
            throw new CheckpointException(path, "the file is truncated or corrupt (checksum mismatch).");
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, 0, payload.Length), Encoding.UTF8);
            reader.ReadBytes(Magic.Length);
            int version = reader.ReadInt32();
            if (version > FormatVersion || version < 1)
                throw new CheckpointException(path, $"format version {version} is not supported (this library reads versions 1 to {FormatVersion}).");
            string kind = reader.ReadString();
            if (kind != expectedKind)
                throw new CheckpointException(path, $"it holds a {kind}, not a {expectedKind}.");
            string config = reader.ReadString();
            string state = reader.ReadString();
            int count = reader.ReadInt32();
            var sections = new List<byte[]>();
            for (int i = 0; i < count; i++) sections.Add(reader.ReadBytes(checked((int)reader.ReadInt64())));
            return new Contents(kind, version, config, state, sections);
        }
        catch (Exception e) when (e is EndOfStreamException or OverflowException or IOException and not CheckpointException)
        {
            throw new CheckpointException(path, "the file is truncated or corrupt.", e);
        }
    }
}
