using Microsoft.Extensions.Logging;

namespace Denoising.Flow.Imaging;

/// <summary>Source-generated log messages of the imaging layer.</summary>
internal static partial class ImagingLog
{
    private static int alphaNoticeGiven;

    /// <summary>Logs <see cref="AlphaDropped"/> the first time it is called in the process.</summary>
    public static void AlphaDroppedOnce(ILogger logger, string file)
    {
        if (Interlocked.Exchange(ref alphaNoticeGiven, 1) == 0)
        {
            AlphaDropped(logger, file);
        }
    }

    /// <summary>Lets tests see the once-per-process notice again.</summary>
    internal static void ResetAlphaNotice() => Interlocked.Exchange(ref alphaNoticeGiven, 0);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information,
        Message = "Image '{File}' has an alpha channel; alpha is dropped (not composited) when images are read. This is logged once per process.")]
    private static partial void AlphaDropped(ILogger logger, string file);
}
