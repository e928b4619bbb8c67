using System.CommandLine;
using SpecTune.Cli.Commands;

namespace SpecTune.Cli;

/// <summary>The <c>spectune</c> command line; tests call <see cref="Run"/> in-process.</summary>
internal static class CliApp
{
    public static int Run(string[] args, CliConsole console, CancellationToken cancel)
    {
        var root = new RootCommand("spectune: train, validate, inspect and plot SpecTune fine-tuning specs.")
        {
            TrainCommand.Create(console, cancel),
            ValidateCommand.Create(console),
            InspectCommand.Create(console),
            PlotCommand.Create(console),
            InitCommand.Create(console),
        };
        // Termination signals are handled by Program (and tests pass a token), so System.CommandLine must not
        // install its own handler, which would end the process before the checkpoint is written.
        var configuration = new InvocationConfiguration
        {
            Output = console.Out,
            Error = console.Error,
            ProcessTerminationTimeout = null,
            EnableDefaultExceptionHandler = false,
        };
        try
        {
            return root.Parse(args).Invoke(configuration);
        }
        catch (Exception error) when (IsMissingBackend(error))
        {
            console.Error.WriteLine("spectune: error: libtorch could not be loaded (" + OneLine(error) + "). The spectune tool ships the CPU backend for " +
                "Linux x64; the build-time trainer uses the application's backend package (libtorch-cpu-linux-x64, TorchSharp-cpu or a CUDA package). See docs/tooling.md.");
            return ExitCodes.Error;
        }
    }

    private static bool IsMissingBackend(Exception error) =>
        error is DllNotFoundException || (error is TypeInitializationException && error.InnerException is { } inner && IsMissingBackend(inner));

    private static string OneLine(Exception error)
    {
        var innermost = error;
        while (innermost.InnerException is not null) innermost = innermost.InnerException;
        return innermost.Message.Split('\n')[0].Trim();
    }
}
