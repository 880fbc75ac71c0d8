using System.CommandLine;
using Denoising.Flow.Cli.Commands;
using Denoising.Flow.Cli.Console;

namespace Denoising.Flow.Cli;

/// <summary>The dnflow command line: verbs, parsing, exit codes.</summary>
internal static class CliApp
{
    public static RootCommand Build(Terminal terminal)
    {
        var root = new RootCommand("dnflow: denoise images with a normalizing-flow prior (unpaired; Kattakinda and Rajagopalan, ICIP 2020).");
        root.Subcommands.Add(DenoiseCommand.Create(terminal));
        root.Subcommands.Add(TrainCommand.Create(terminal));
        root.Subcommands.Add(EvaluateCommand.Create(terminal));
        root.Subcommands.Add(InfoCommand.Create(terminal));
        root.Subcommands.Add(MergeManifestsCommand.Create(terminal));
        return root;
    }

    /// <summary>Parses and runs; returns the exit code (<see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(string[] args, Terminal terminal, CancellationToken cancellationToken)
    {
        var parse = Build(terminal).Parse(args);
        var invocation = new InvocationConfiguration
        {
            Output = terminal.Out,
            Error = terminal.Error,
            ProcessTerminationTimeout = null, // Program.cs turns Ctrl+C and SIGTERM into the token
            EnableDefaultExceptionHandler = false,
        };
        if (parse.Errors.Count > 0)
        {
            await parse.InvokeAsync(invocation, cancellationToken); // prints the errors, suggestions and help
            return ExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(invocation, cancellationToken);
        }
        catch (Exception ex) when (ex is UsageException or ArgumentException or FormatException or FileNotFoundException or DirectoryNotFoundException)
        {
            terminal.Warn("error: " + ex.Message);
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException)
        {
            terminal.Warn("Interrupted.");
            return ExitCodes.Interrupted;
        }
        catch (Exception ex) when (ex is CheckpointException or ImageReadException or IOException or UnauthorizedAccessException or TrainingDivergedException or InvalidDataException)
        {
            terminal.Warn("error: " + ex.Message);
            return ExitCodes.Failures;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A bug rather than bad input: say what happened; the stack trace on request.
            terminal.Warn($"error: {ex.GetType().Name}: {ex.Message}");
            terminal.Warn(Environment.GetEnvironmentVariable("DNFLOW_DEBUG") == "1" ? ex.ToString() : "(set DNFLOW_DEBUG=1 for the stack trace)");
            return ExitCodes.Failures;
        }
    }
}
