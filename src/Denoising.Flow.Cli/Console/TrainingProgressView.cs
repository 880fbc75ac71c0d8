using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Denoising.Flow.Cli.Console;

/// <summary>A live bar with loss terms, bits/dim, lambda and ETA; or a plain line every few seconds.</summary>
internal sealed class TrainingProgressView : IProgress<TrainingProgress>
{
    private readonly Terminal terminal;
    private readonly Stopwatch sinceLine = Stopwatch.StartNew();
    private ProgressTask? task;
    private bool first = true;

    private TrainingProgressView(Terminal terminal) => this.terminal = terminal;

    public TrainingProgress? Last { get; private set; }

    /// <summary>Runs <paramref name="train"/> with a view that it reports to.</summary>
    public static T Run<T>(Terminal terminal, Func<TrainingProgressView, T> train)
    {
        var view = new TrainingProgressView(terminal);
        if (terminal.Ansi is not { } ansi)
        {
            return train(view);
        }

        T result = default!;
        ansi.Progress()
            .AutoClear(false)
            .Columns(new ProgressBarColumn { Width = 16 }, new PercentageColumn(), new ElapsedTimeColumn(), new TaskDescriptionColumn { Alignment = Justify.Left })
            .Start(ctx =>
            {
                view.task = ctx.AddTask("starting", maxValue: 1000);
                result = train(view);
            });
        return result;
    }

    public void Report(TrainingProgress value)
    {
        Last = value;
        string line = Describe(value);
        if (task is not null)
        {
            task.Description = Markup.Escape(Describe(value, compact: true));
            double fraction = value.TotalSteps is { } total and > 0 ? (double)value.Step / total
                : value.Eta is { } eta ? value.Elapsed / (value.Elapsed + eta) : 0;
            task.Value = Math.Clamp(fraction, 0, 1) * 1000;
            return;
        }

        if (first || sinceLine.Elapsed >= TimeSpan.FromSeconds(5) || value.Step == value.TotalSteps)
        {
            first = false;
            sinceLine.Restart();
            terminal.Line(line);
        }
    }

    public static string Describe(TrainingProgress p, bool compact = false)
    {
        string steps = p.TotalSteps is { } total ? $"{p.Step}/{total}" : p.Step.ToString(CultureInfo.InvariantCulture);
        string eta = p.Eta is { } e ? $"ETA {e:hh\\:mm\\:ss}" : "ETA -";
        if (compact)
        {
            return p.Stage == TrainingStage.Prior
                ? string.Create(CultureInfo.InvariantCulture, $"step {steps} bpd {p.BitsPerDim:F3} {eta}")
                : string.Create(CultureInfo.InvariantCulture, $"step {steps} data {p.DataTerm:G3} prior {p.PriorTerm:G3} bpd {p.BitsPerDim:F2} λ {p.PriorWeight:G2} {eta}");
        }

        return p.Stage == TrainingStage.Prior
            ? string.Create(CultureInfo.InvariantCulture, $"prior step {steps}  loss {p.Loss:F4}  bits/dim {p.BitsPerDim:F4}  lr {p.LearningRate:G3}  {eta}")
            : string.Create(CultureInfo.InvariantCulture, $"denoiser step {steps}  loss {p.Loss:G4}  data {p.DataTerm:G4}  prior {p.PriorTerm:G4}  bits/dim {p.BitsPerDim:F3}  lambda {p.PriorWeight:G3}  {eta}");
    }
}
