using System.Runtime.InteropServices;
using SpecTune.Cli;

// Ctrl+C (SIGINT) and SIGTERM ask the trainer to stop: it saves a checkpoint at the next step and the
// command exits with 130. A second Ctrl+C is not intercepted, so a stuck process can still be killed.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (cancel.IsCancellationRequested) return;
    e.Cancel = true;
    cancel.Cancel();
};
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancel.Cancel();
});
// Started by a build that has since died (SPECTUNE_PARENT_PID), the run stops as on SIGTERM.
using var parent = ParentWatch.FromEnvironment(cancel.Cancel);
return CliApp.Run(args, CliConsole.FromProcess(), cancel.Token);
