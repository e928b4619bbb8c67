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
        var configuration = new InvocationConfiguration { Output = console.Out, Error = console.Error, ProcessTerminationTimeout = null };
        return root.Parse(args).Invoke(configuration);
    }
}
