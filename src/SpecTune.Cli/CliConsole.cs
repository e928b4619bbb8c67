namespace SpecTune.Cli;

/// <summary>Where a command writes, and whether live progress bars make sense there.</summary>
/// <param name="Out">Results (tables, JSON, lists).</param>
/// <param name="Error">Diagnostics and errors.</param>
/// <param name="Interactive">True when <paramref name="Out"/> is a terminal: progress bars instead of one line per epoch.</param>
internal sealed record CliConsole(TextWriter Out, TextWriter Error, bool Interactive)
{
    /// <summary>The process's console; interactive unless output is redirected or the terminal is dumb.</summary>
    public static CliConsole FromProcess() => new(Console.Out, Console.Error,
        !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("TERM") is not (null or "dumb")
            && Environment.GetEnvironmentVariable("CI") is null);
}
