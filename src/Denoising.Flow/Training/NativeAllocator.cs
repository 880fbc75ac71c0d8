using System.Runtime.InteropServices;

namespace Denoising.Flow;

/// <summary>
/// Tunes the C allocator (glibc <c>malloc</c>) that libtorch's CPU tensors come from, so that training steps do not pay a
/// page-fault tax. By default glibc serves every block above a sliding threshold (a few MiB at most) with a fresh
/// <c>mmap</c> and gives memory above 128 KiB at the top of the heap back to the system when it is freed: each training
/// step then faults its activations in again (about 15,600 minor page faults per prior step, against about 280 under
/// PyTorch). This class raises the mmap threshold to <see cref="MmapThreshold"/>, the trim threshold to
/// <see cref="TrimThreshold"/> and the top pad to <see cref="TopPad"/> with <c>mallopt</c>, the in-process equivalent of
/// <c>GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=...:glibc.malloc.top_pad=268435456</c>.
/// </summary>
/// <remarks>
/// <para>
/// It CHANGES THE HOST PROCESS: the settings hold for every native allocation of the process, not only the library's,
/// and memory freed by native code is kept for reuse instead of being returned to the system (the resident size stays
/// near its peak; the peak itself does not grow). The library applies it once, on Linux with glibc only, at its first
/// native use (<see cref="Devices.Default"/>, the training builders, <c>Denoiser.Load</c>, <c>FlowPrior.Load</c>).
/// </para>
/// <para>
/// To switch it off, set <see cref="Enabled"/> to false before the first use of the library, or set the environment
/// variable <see cref="EnvironmentVariable"/> to <c>0</c> (or <c>false</c>, <c>off</c>). Once applied it stays applied
/// for the life of the process. On other systems nothing is done.
/// </para>
/// </remarks>
public static class NativeAllocator
{
    /// <summary>The environment variable that switches the tuning off when it is <c>0</c>, <c>false</c> or <c>off</c>.</summary>
    public const string EnvironmentVariable = "DENOISING_FLOW_MALLOPT";

    /// <summary>Blocks up to this size (32 MiB, glibc's largest allowed value) come from the heap, not from a fresh mmap.</summary>
    public const int MmapThreshold = 32 * 1024 * 1024;

    /// <summary>Free memory at the top of the heap is returned to the system only above this size (2 GiB - 1).</summary>
    public const int TrimThreshold = int.MaxValue;

    /// <summary>Extra memory asked from the system each time the heap grows (256 MiB of address space, faulted in on use).</summary>
    public const int TopPad = 256 * 1024 * 1024;

    /// <summary>The process-wide state (tests read its call count).</summary>
    internal static readonly AllocatorTuning Shared = new(LinuxGlibc.IsPresent ? LinuxGlibc.Mallopt : null);

    /// <summary>
    /// Whether the library tunes the allocator at its first native use (default true). Set it to false before that first
    /// use to leave the host process's allocator as it is.
    /// </summary>
    public static bool Enabled
    {
        get => Shared.Enabled;
        set => Shared.Enabled = value;
    }

    /// <summary>What the last <see cref="Configure"/> did (<see cref="NativeAllocatorStatus.NotConfigured"/> before the first).</summary>
    public static NativeAllocatorStatus Status => Shared.Status;

    /// <summary>
    /// Applies the tuning unless it is switched off or unsupported; the library calls it itself. Idempotent: once applied
    /// it returns <see cref="NativeAllocatorStatus.Applied"/> without calling <c>mallopt</c> again. Thread-safe.
    /// </summary>
    /// <returns>Applied, or why not.</returns>
    public static NativeAllocatorStatus Configure() => Shared.Configure(Environment.GetEnvironmentVariable(EnvironmentVariable));

    private static class LinuxGlibc
    {
        public static bool IsPresent { get; } = Detect();

        public static int Mallopt(int parameter, int value) => NativeMethods.mallopt(parameter, value);

        private static bool Detect()
        {
            if (!OperatingSystem.IsLinux()) return false;
            if (!NativeLibrary.TryLoad("libc.so.6", out var libc)) return false;
            return NativeLibrary.TryGetExport(libc, "gnu_get_libc_version", out _) && NativeLibrary.TryGetExport(libc, "mallopt", out _);
        }
    }

    private static class NativeMethods
    {
#pragma warning disable SYSLIB1054 // DllImport: LibraryImport would need unsafe code for nothing (two ints).
        [DllImport("libc.so.6", EntryPoint = "mallopt", ExactSpelling = true)]
        public static extern int mallopt(int parameter, int value);
#pragma warning restore SYSLIB1054
    }
}

/// <summary>What <see cref="NativeAllocator.Configure"/> did.</summary>
public enum NativeAllocatorStatus
{
    /// <summary>Not asked yet.</summary>
    NotConfigured,

    /// <summary>The thresholds are set (once per process).</summary>
    Applied,

    /// <summary><see cref="NativeAllocator.Enabled"/> is false: nothing was changed.</summary>
    DisabledByOption,

    /// <summary>The environment variable <see cref="NativeAllocator.EnvironmentVariable"/> switches it off: nothing was changed.</summary>
    DisabledByEnvironment,

    /// <summary>Not Linux with glibc: nothing was changed.</summary>
    NotSupported,

    /// <summary><c>mallopt</c> refused a value: the allocator may be partly tuned.</summary>
    Failed,
}

/// <summary>The state machine behind <see cref="NativeAllocator"/>, with the <c>mallopt</c> call injectable for tests.</summary>
internal sealed class AllocatorTuning(Func<int, int, int>? mallopt)
{
    internal const int MTrimThreshold = -1, MTopPad = -2, MMmapThreshold = -3;
    private readonly object gate = new();

    public bool Enabled { get; set; } = true;

    public NativeAllocatorStatus Status { get; private set; } = NativeAllocatorStatus.NotConfigured;

    /// <summary>How many times mallopt was called (tests).</summary>
    public int Calls { get; private set; }

    public NativeAllocatorStatus Configure(string? environmentValue)
    {
        lock (gate)
        {
            if (Status is NativeAllocatorStatus.Applied or NativeAllocatorStatus.Failed) return Status;
            Status = Decide(environmentValue);
            return Status;
        }
    }

    private NativeAllocatorStatus Decide(string? environmentValue)
    {
        if (!Enabled) return NativeAllocatorStatus.DisabledByOption;
        if (IsOff(environmentValue)) return NativeAllocatorStatus.DisabledByEnvironment;
        if (mallopt is null) return NativeAllocatorStatus.NotSupported;
        bool ok = true;
        foreach (var (parameter, value) in new[]
        {
            (MMmapThreshold, NativeAllocator.MmapThreshold),
            (MTrimThreshold, NativeAllocator.TrimThreshold),
            (MTopPad, NativeAllocator.TopPad),
        })
        {
            Calls++;
            ok &= mallopt(parameter, value) == 1; // mallopt returns 1 on success, 0 on error
        }
        return ok ? NativeAllocatorStatus.Applied : NativeAllocatorStatus.Failed;
    }

    private static bool IsOff(string? value) =>
        value?.Trim().ToLowerInvariant() is "0" or "false" or "off" or "no";
}
