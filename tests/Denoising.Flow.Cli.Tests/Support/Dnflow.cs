using Denoising.Flow.Cli;
using Denoising.Flow.Cli.Console;

namespace Denoising.Flow.Cli.Tests.Support;

/// <summary>Runs dnflow in this process with captured, non-interactive output.</summary>
public static class Dnflow
{
    public sealed record Result(int ExitCode, string Out, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\n--- out\n{Out}\n--- error\n{Error}";
    }

    public static Result Run(params string[] args) => Run(CancellationToken.None, args);

    public static Result Run(CancellationToken cancellationToken, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.RunAsync(args, new Terminal(output, error, interactive: false), cancellationToken).GetAwaiter().GetResult();
        return new Result(code, output.ToString(), error.ToString());
    }
}
