using System.Text.Json;
using System.Text.Json.Serialization;

namespace Denoising.Flow.Persistence;

/// <summary>The JSON settings of configuration and state stored in model files.</summary>
internal static class Json
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = false,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Read<T>(string json, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options) ?? throw new CheckpointException(path, "its configuration is empty.");
        }
        catch (JsonException e)
        {
            throw new CheckpointException(path, "its configuration cannot be read: " + e.Message, e);
        }
    }
}
