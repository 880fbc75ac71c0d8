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

    /// <summary>Loads weights strictly; any mismatch of names or shapes becomes a <see cref="CheckpointException"/>.</summary>
    public static void Load(nn.Module module, byte[] state, string path)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(state));
            module.load(reader, strict: true);
        }
        catch (Exception e) when (e is not CheckpointException)
        {
            throw new CheckpointException(path, "its weights do not match the architecture it declares: " + e.Message, e);
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
