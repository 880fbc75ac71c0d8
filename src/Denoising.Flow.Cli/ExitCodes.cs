namespace Denoising.Flow.Cli;

/// <summary>The exit codes of dnflow.</summary>
internal static class ExitCodes
{
    /// <summary>Everything was done.</summary>
    public const int Success = 0;

    /// <summary>Some files failed (listed at the end), a merge found gaps, or an unexpected error.</summary>
    public const int Failures = 1;

    /// <summary>The command line or a configuration is wrong; nothing was done.</summary>
    public const int Usage = 2;

    /// <summary>Stopped by Ctrl+C or SIGTERM (training wrote a checkpoint; a rerun resumes).</summary>
    public const int Interrupted = 130;
}
