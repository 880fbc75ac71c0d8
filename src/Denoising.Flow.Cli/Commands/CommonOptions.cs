using System.CommandLine;
using Denoising.Flow.Cli.Batch;

namespace Denoising.Flow.Cli.Commands;

/// <summary>Options several verbs share (a new instance per command).</summary>
internal static class CommonOptions
{
    public static Option<string?> Device() => new("--device")
    {
        Description = "Torch device: cpu, cuda or cuda:N (default: CUDA when available, else the CPU).",
    };

    public static Option<int?> Threads()
    {
        var option = new Option<int?>("--threads") { Description = "CPU threads Torch may use (default: all cores)." };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1)
            {
                r.AddError("--threads must be at least 1.");
            }
        });
        return option;
    }

    /// <summary>--wiener: DenoiseOptions.WienerRefinement.</summary>
    public static Option<bool> Wiener() => new("--wiener")
    {
        Description = "Refine the output by collaborative Wiener filtering (BM3D's second stage, the network's output as the pilot): detail comes back from the noisy image. About a second per 256x256 channel.",
    };

    /// <summary>--hard-thresholding-pilot: DenoiseOptions.HardThresholdingPilot.</summary>
    public static Option<bool> HardThresholdingPilot() => new("--hard-thresholding-pilot")
    {
        Description = "With the Wiener refinement (implies --wiener): also use BM3D's first stage (collaborative hard thresholding of the noisy image) as a pilot, which keeps repeated texture the network smooths away. About as much time again as --wiener.",
    };

    /// <summary>--sure-tuning-radius: DenoiseOptions.SureTuningRadius (0 to 256).</summary>
    public static Option<int> SureTuningRadius()
    {
        var option = new Option<int>("--sure-tuning-radius")
        {
            Description = "With --sure-tuning: choose per pixel from the SURE of the (2r+1)^2 window around it (default 8); 0 chooses once per image.",
            DefaultValueFactory = _ => DenoiseOptions.Default.SureTuningRadius,
        };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 0 or > 256)
            {
                r.AddError("--sure-tuning-radius must be between 0 and 256.");
            }
        });
        return option;
    }

    public static Option<string> Model(string description) => new("--model", "-m")
    {
        Description = description,
        DefaultValueFactory = _ => "auto",
        HelpName = "auto|gray|color|PATH",
    };

    /// <summary>Applies --threads (process wide).</summary>
    public static void ApplyThreads(int? threads)
    {
        if (threads is { } n)
        {
            TorchSharp.torch.set_num_threads(n);
        }
    }

    public static TorchSharp.torch.Device? ParseDevice(string? text)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            return TorchSharp.torch.device(text);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException)
        {
            throw new UsageException($"--device '{text}' is not a device (use cpu, cuda or cuda:N): {ex.Message}");
        }
    }

    /// <summary>"auto" or a model that exists; shipped names are resolved (a usage error otherwise).</summary>
    public static string CheckModel(string model)
    {
        if (model.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            return "auto";
        }

        try
        {
            return ModelCatalog.Resolve(model);
        }
        catch (FileNotFoundException ex)
        {
            throw new UsageException(ex.Message);
        }
    }
}
