using System.Diagnostics;
using System.Text;

namespace SpecTune.Tests;

/// <summary>Runs dotnet commands the way a user's shell would, with a hard timeout so a hang fails the test.</summary>
internal static class Processes
{
    public sealed record Result(int ExitCode, string Output)
    {
        public override string ToString() => $"exit {ExitCode}\n{Output}";
    }

    public static Result Dotnet(string workingDirectory, params string[] args) => Run("dotnet", workingDirectory, TimeSpan.FromMinutes(3), args);

    public static Result Run(string file, string workingDirectory, TimeSpan timeout, params string[] args) =>
        Run(file, workingDirectory, timeout, new Dictionary<string, string?>(), args);

    /// <summary>Runs with <paramref name="environment"/> on top of the test's own (a null value removes a variable).</summary>
    public static Result Run(string file, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        // The test host runs under MSBuild-related variables of its own; a user's shell has none of them.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k == "VSTEST_HOST_DEBUG").ToList())
            start.Environment.Remove(name);
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        // Build nodes left behind would outlive the test and keep its temporary folder busy.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        foreach (var (name, value) in environment)
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeout}:\n{output}");
        }
        process.WaitForExit();
        lock (output) return new Result(process.ExitCode, output.ToString());
    }
}
