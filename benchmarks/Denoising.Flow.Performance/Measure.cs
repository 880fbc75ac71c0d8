using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Denoising.Flow.Performance;

/// <summary>Process counters on Linux: minor page faults, peak resident memory (resettable), and a flush-denormal switch.</summary>
internal static class Measure
{
    /// <summary>Minor page faults of this process so far (field 10 of /proc/self/stat); -1 where unknown.</summary>
    public static long MinorFaults()
    {
        try
        {
            string stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[7], System.Globalization.CultureInfo.InvariantCulture); // fields after "(comm)": state is field 3, minflt field 10
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return -1;
        }
    }

    /// <summary>Resets the peak resident size to the current one (Linux: "5" to /proc/self/clear_refs); false where unsupported.</summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Peak resident size in MiB (VmHWM), or the working set where /proc is missing.</summary>
    public static double PeakMiB()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0;
    }

    public static double Median(IEnumerable<double> values)
    {
        var v = values.Where(double.IsFinite).OrderBy(x => x).ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
    }

    /// <summary>
    /// libtorch's torch.set_flush_denormal (TorchSharp 0.107 does not expose it): calls at::globalContext().setFlushDenormal
    /// through the exported C++ symbols of libtorch_cpu. Returns false when they cannot be found.
    /// </summary>
    public static unsafe bool SetFlushDenormal(bool on)
    {
        foreach (var name in new[] { "libtorch_cpu.so", "libtorch_cpu" })
        {
            if (!NativeLibrary.TryLoad(name, typeof(TorchSharp.torch).Assembly, null, out var lib)) continue;
            if (!NativeLibrary.TryGetExport(lib, "_ZN2at13globalContextEv", out var global)) return false;
            if (!NativeLibrary.TryGetExport(lib, "_ZN2at7Context16setFlushDenormalEb", out var set)) return false;
            var context = ((delegate* unmanaged<IntPtr>)global)();
            return ((delegate* unmanaged<IntPtr, byte, byte>)set)(context, on ? (byte)1 : (byte)0) != 0;
        }
        return false;
    }
}
