using Spectre.Console;

namespace Denoising.Flow.Cli.Console;

/// <summary>
/// Where a command writes. Interactive (progress bars, tables drawn by Spectre.Console) only when standard output is a
/// terminal and the CI variable is not set; otherwise plain lines, one per event, fit for logs.
/// </summary>
internal sealed class Terminal
{
    public Terminal(TextWriter output, TextWriter error, bool interactive)
    {
        Out = output;
        Error = error;
        Interactive = interactive;
        Ansi = interactive ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) }) : null;
    }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    /// <summary>True when progress bars are drawn.</summary>
    public bool Interactive { get; }

    /// <summary>The Spectre console when interactive.</summary>
    public IAnsiConsole? Ansi { get; }

    /// <summary>The process's console.</summary>
    public static Terminal ForConsole() => new(
        System.Console.Out,
        System.Console.Error,
        !System.Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")));

    public void Line(string text) => Out.WriteLine(text);

    public void Warn(string text) => Error.WriteLine(text);
}
