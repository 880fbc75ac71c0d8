using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Denoising.Flow.Cli.Console;

/// <summary>One progress bar over the files of a batch (images/s and ETA), or a plain line at most once a second.</summary>
internal static class BatchProgress
{
    /// <summary>Runs <paramref name="body"/>, which calls the given action once per finished file.</summary>
    public static void Run(Terminal terminal, string title, int total, Action<Action> body)
    {
        if (terminal.Ansi is { } ansi && total > 0)
        {
            ansi.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new CountColumn(), new RateColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask(title, maxValue: total);
                    body(() => task.Increment(1));
                });
            return;
        }

        var clock = Stopwatch.StartNew();
        var lastLine = TimeSpan.Zero;
        int done = 0;
        body(() =>
        {
            done++;
            if (done < total && clock.Elapsed - lastLine < TimeSpan.FromSeconds(1))
            {
                return;
            }

            lastLine = clock.Elapsed;
            double rate = done / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
            var eta = TimeSpan.FromSeconds(Math.Round((total - done) / Math.Max(rate, 1e-9)));
            terminal.Line(string.Create(CultureInfo.InvariantCulture, $"{title}: {done}/{total} ({100.0 * done / total:F0}%), {rate:F2} images/s, ETA {eta:hh\\:mm\\:ss}"));
        });
    }

    /// <summary>"k/n".</summary>
    private sealed class CountColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text($"{task.Value:0}/{task.MaxValue:0}");
    }

    /// <summary>Images per second since the start.</summary>
    private sealed class RateColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            double seconds = task.ElapsedTime?.TotalSeconds ?? 0;
            return new Text(seconds > 0 ? string.Create(CultureInfo.InvariantCulture, $"{task.Value / seconds:F2} images/s") : "- images/s");
        }
    }
}
