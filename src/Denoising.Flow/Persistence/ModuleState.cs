using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Persistence;

/// <summary>Module and optimizer state to and from byte arrays (TorchSharp's own format).</summary>
internal static class ModuleState
{
    public static byte[] Save(nn.Module module)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) module.save(writer);
        return stream.ToArray();
    }

    public static byte[] Save(TorchSharp.Modules.OptimizerHelper optimizer)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) optimizer.save_state_dict(writer);
        return stream.ToArray();
    }

    /// <summary>
    /// Loads weights strictly, in place, into the module's own tensors on whatever device they live; any mismatch of names,
    /// dtypes or shapes becomes a <see cref="CheckpointException"/>.
    /// </summary>
    /// <remarks>
    /// Not TorchSharp's <c>Module.load</c>: for a module that is not on the CPU, that moves the module to the CPU and back,
    /// which replaces every parameter tensor. An optimizer built on the module beforehand then holds disposed tensors, and
    /// resuming a training checkpoint on CUDA failed with "Tensor invalid -- empty handle". This reads the same format
    /// (an LEB128 count, then a name and a tensor per entry) into the tensors the optimizer already holds.
    /// </remarks>
    public static void Load(nn.Module module, byte[] state, string path)
    {
        const string Mismatch = "its weights do not match the architecture it declares: ";
        try
        {
            using var reader = new BinaryReader(new MemoryStream(state));
            var targets = module.state_dict();
            long entries = ReadCount(reader);
            if (entries != targets.Count) throw new CheckpointException(path, $"{Mismatch}it stores {entries} tensors where the model has {targets.Count}.");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (long i = 0; i < entries; i++)
            {
                string key = reader.ReadString();
                if (!targets.TryGetValue(key, out var target) || !seen.Add(key))
                    throw new CheckpointException(path, $"{Mismatch}the model has no (other) tensor named '{key}'.");
                target.Load(reader); // checks dtype and shape; goes through a CPU copy when the tensor lives elsewhere
            }
        }
        catch (Exception e) when (e is not CheckpointException)
        {
            throw new CheckpointException(path, Mismatch + e.Message, e);
        }
    }

    /// <summary>TorchSharp's entry count: unsigned LEB128 (7 bits per byte, low first, high bit = more).</summary>
    private static long ReadCount(BinaryReader reader)
    {
        long result = 0;
        for (int shift = 0; ; shift += 7)
        {
            if (shift > 56) throw new InvalidDataException("the tensor count is not a valid LEB128 number.");
            byte b = reader.ReadByte();
            result |= (long)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return result;
        }
    }

    public static void Load(TorchSharp.Modules.OptimizerHelper optimizer, byte[] state, string path)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(state));
            optimizer.load_state_dict(reader);
        }
        catch (Exception e) when (e is not CheckpointException)
        {
            throw new CheckpointException(path, "its optimizer state does not match the model: " + e.Message, e);
        }
    }
}
