using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace SpecTune.Build
{
    /// <summary>
    /// Runs the spectune CLI out of process, so the build node never loads libtorch: a .dll through the
    /// dotnet host that runs MSBuild (DOTNET_HOST_PATH), anything else directly. Lines of the form
    /// <c>path(line,col): error SPTnnnn: message</c> become MSBuild errors at that line; the last lines of
    /// output are kept so that a child that dies without a diagnostic is reported with what it said.
    /// </summary>
    public abstract class SpecTuneToolTask : ToolTask
    {
        private const int TailLength = 20;
        private readonly Queue<string> _tail = new Queue<string>();

        /// <summary>The CLI: SpecTune.Cli.dll (run with the dotnet host) or an executable.</summary>
        [Required]
        public string CliPath { get; set; } = "";

        /// <summary>The spec file.</summary>
        [Required]
        public string Spec { get; set; } = "";

        /// <summary>The dotnet host; defaults to $(DOTNET_HOST_PATH), then `dotnet` on PATH.</summary>
        public string? DotnetHostPath { get; set; }

        /// <summary>The folder holding libLibTorchSharp.so and libtorch (the application's build output), searched by the child.</summary>
        public string? NativeSearchPath { get; set; }

        protected override string ToolName => RunsThroughHost ? "dotnet" : Path.GetFileName(CliPath);

        private bool RunsThroughHost => CliPath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);

        protected override string GenerateFullPathToTool()
        {
            if (!RunsThroughHost) return CliPath;
            if (!string.IsNullOrEmpty(DotnetHostPath)) return DotnetHostPath!;
            var fromEnvironment = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            return string.IsNullOrEmpty(fromEnvironment) ? "dotnet" : fromEnvironment!;
        }

        protected override string GenerateCommandLineCommands()
        {
            var builder = new CommandLineBuilder();
            if (RunsThroughHost) builder.AppendFileNameIfNotNull(CliPath);
            AppendArguments(builder);
            return builder.ToString();
        }

        /// <summary>The CLI's subcommand and options.</summary>
        protected abstract void AppendArguments(CommandLineBuilder builder);

        protected override bool ValidateParameters()
        {
            if (!File.Exists(CliPath))
            {
                Log.LogError("SpecTune: the spectune CLI was not found at '{0}'; set SpecTuneCliPath to SpecTune.Cli.dll or a spectune executable.", CliPath);
                return false;
            }
            return base.ValidateParameters();
        }

        public override bool Execute()
        {
            var environment = new List<string>(EnvironmentVariables ?? Array.Empty<string>()) { "DOTNET_NOLOGO=1", "DOTNET_CLI_TELEMETRY_OPTOUT=1" };
            // The CLI stops (saving a checkpoint) when this build process dies, e.g. on kill -9 (ParentWatch in the CLI).
            environment.Add("SPECTUNE_PARENT_PID=" + System.Diagnostics.Process.GetCurrentProcess().Id);
            if (!string.IsNullOrEmpty(NativeSearchPath))
            {
                // The child loads the backend the application references (and the patched bridge in its output), not one of its own.
                var existing = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
                environment.Add("LD_LIBRARY_PATH=" + NativeSearchPath + (string.IsNullOrEmpty(existing) ? "" : Path.PathSeparator + existing));
            }
            EnvironmentVariables = environment.ToArray();
            return base.Execute() && !Log.HasLoggedErrors;
        }

        protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance)
        {
            if (_tail.Count == TailLength) _tail.Dequeue();
            _tail.Enqueue(singleLine);
            if (HandleLine(singleLine)) return;
            // LogMessageFromText turns canonical `file(line,col): error CODE: text` lines into errors and warnings.
            Log.LogMessageFromText(singleLine, messageImportance);
        }

        /// <summary>Lets a task consume a line of output itself (true) instead of logging it.</summary>
        protected virtual bool HandleLine(string line) => false;

        protected override bool HandleTaskExecutionErrors()
        {
            if (!Log.HasLoggedErrors)
            {
                var what = ExitCode > 128 && ExitCode != 130 ? $"died (exit code {ExitCode}, signal {ExitCode - 128})" : $"exited with code {ExitCode}";
                Log.LogError(null, "SPT0399", null, Spec, 0, 0, 0, 0, "spectune {0} without a diagnostic; its last output:{1}{2}",
                    what, Environment.NewLine, string.Join(Environment.NewLine, _tail));
            }
            return false;
        }
    }
}
