using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow;

/// <summary>Chooses where tensors live.</summary>
public static class Devices
{
    /// <summary>
    /// CUDA when the CUDA backend is installed and a GPU is present, otherwise the CPU.
    /// To insist on CUDA (and get TorchSharp's native-load error when it is missing), pass <c>torch.CUDA</c> explicitly.
    /// Like every first native use of the library, it tunes the C allocator once (see <see cref="NativeAllocator"/>).
    /// </summary>
    public static Device Default()
    {
        NativeAllocator.Configure();
        try
        {
            return cuda.is_available() ? CUDA : CPU;
        }
        catch (Exception e) when (e is NotSupportedException or DllNotFoundException or InvalidOperationException)
        {
            return CPU;
        }
    }

    /// <summary>Fails clearly when <paramref name="device"/> is CUDA but CUDA is not usable.</summary>
    internal static Device Require(Device device)
    {
        NativeAllocator.Configure();
        if (device.type == DeviceType.CUDA)
        {
            InitializeDeviceType(DeviceType.CUDA);
            if (!cuda.is_available())
                throw new InvalidOperationException("CUDA was requested but is not available: build with -p:TorchBackend=cuda-linux (or cuda-windows) and check the GPU driver.");
        }
        return device;
    }
}
