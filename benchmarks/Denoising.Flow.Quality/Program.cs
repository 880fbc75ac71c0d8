// Denoising.Flow quality harness: trains and evaluates the unpaired denoiser on real photographs, with baselines.
//   dotnet run -c Release --project benchmarks/Denoising.Flow.Quality -- <verb> [--option value ...]
// Verbs: train (the whole protocol), prior, denoiser, supervised, evaluate, objective, memory, ship. See docs/results.md for the commands behind every number.
using Denoising.Flow.Quality;
using Microsoft.Extensions.Logging;

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine("usage: <train|prior|denoiser|supervised|evaluate|objective|memory|ship> [--option value ...]  (see docs/results.md)");
    return args.Length == 0 ? 2 : 0;
}
var a = new Args(args.Skip(1));
// --debug: the library's debug messages too (for example each image's SURE blend weight).
var level = a.Flag("debug") ? LogLevel.Debug : LogLevel.Information;
using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }).SetMinimumLevel(level));
var logger = loggerFactory.CreateLogger("quality");
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
// --threads N: run two trainings side by side with one core each (the unpaired model and its supervised bound get the same budget).
TorchSharp.torch.set_num_threads(a.Int("threads", Math.Max(1, Environment.ProcessorCount)));
try
{
    return args[0] switch
    {
        "train" => TrainCommand.Run(a, logger, cancel.Token, args),
        "prior" => PriorCommand.Run(a, logger, cancel.Token, args),
        "denoiser" => DenoiserCommand.Run(a, logger, cancel.Token, args),
        "supervised" => SupervisedCommand.Run(a, logger, cancel.Token, args),
        "evaluate" => EvaluateCommand.Run(a, logger, args),
        "memory" => MemoryCommand.Run(a, logger, args),
        "ship" => ShipCommand.Run(a, logger, args),
        "objective" => ObjectiveCommand.Run(a, logger, args),
        _ => throw new ArgumentException($"Unknown verb '{args[0]}'."),
    };
}
catch (ArgumentException e)
{
    Console.Error.WriteLine("error: " + e.Message);
    return 2;
}
