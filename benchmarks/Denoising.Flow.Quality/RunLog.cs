using System.Diagnostics;
using System.Text.Json;

namespace Denoising.Flow.Quality;

/// <summary>The JSON record of one harness run: configuration, wall time, steps, speed, peak memory, results.</summary>
internal sealed class RunLog
{
    private readonly Stopwatch clock = Stopwatch.StartNew();

    public RunLog(string command, IEnumerable<string> args)
    {
        Values["command"] = command;
        Values["arguments"] = string.Join(' ', args);
        Values["started"] = DateTimeOffset.Now.ToString("O");
        Values["machine"] = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}";
    }

    public Dictionary<string, object?> Values { get; } = new();

    public void Write(string path)
    {
        Values["wallSeconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1);
        Values["peakWorkingSetMB"] = Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0, 1);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(Values, new JsonSerializerOptions
        {
            WriteIndented = true,
            Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }));
        Console.WriteLine($"Run log: {Path.GetFullPath(path)}");
    }
}
