using System.Runtime.InteropServices;
using Denoising.Flow.Cli;
using Denoising.Flow.Cli.Console;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (!stop.IsCancellationRequested)
    {
        e.Cancel = true; // the first Ctrl+C stops cleanly (training writes a checkpoint), a second one ends the process
        Console.Error.WriteLine("Stopping (press Ctrl+C again to abort at once)...");
        stop.Cancel();
    }
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true; // Kubernetes and Slurm send SIGTERM before killing: stop like Ctrl+C
    stop.Cancel();
});
return await CliApp.RunAsync(args, Terminal.ForConsole(), stop.Token);
