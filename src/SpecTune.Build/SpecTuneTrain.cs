using System;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace SpecTune.Build
{
    /// <summary>
    /// Trains one spec with <c>spectune train SPEC --progress lines --report REPORT</c>. The CLI writes the report
    /// only when training finished, so the report is the target's proof of an up-to-date run. Build cancellation
    /// kills the child; the checkpoint of its last finished epoch stays and <see cref="Resume"/> continues from it.
    /// </summary>
    public sealed class SpecTuneTrain : SpecTuneToolTask
    {
        /// <summary>Written by the CLI on success (the JSON summary).</summary>
        [Required]
        public string Report { get; set; } = "";

        /// <summary>Also write the final weights here (the item's WeightsOutput metadata).</summary>
        public string? Output { get; set; }

        /// <summary>Where a finished run records <see cref="Fingerprint"/> (see <see cref="TrainingStamp"/>); empty: none.</summary>
        public string? Stamp { get; set; }

        /// <summary>The fingerprint of the spec and inputs being trained, from SpecTuneListFiles.</summary>
        public string? Fingerprint { get; set; }

        /// <summary>Continue from the latest checkpoint.</summary>
        public bool Resume { get; set; }

        /// <summary>libtorch threads; 0 keeps the spec's (or the machine's).</summary>
        public int Threads { get; set; }

        /// <summary>The spec, when it trained to the end (not inferred for a skipped, up-to-date spec).</summary>
        [Output]
        public string? TrainedSpec { get; set; }

        /// <summary>Progress (one line per epoch) belongs in a normal-verbosity log; StandardOutputImportance overrides it.</summary>
        protected override MessageImportance StandardOutputLoggingImportance => MessageImportance.Normal;

        /// <summary>
        /// Epoch results and the run's result lines are logged at high importance, the one that MSBuild's terminal logger
        /// (and minimal verbosity) shows; phase headers and other chatter keep the configured importance.
        /// </summary>
        protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance) =>
            base.LogEventsFromTextOutput(singleLine, IsResultLine(singleLine) ? MessageImportance.High : messageImportance);

        /// <summary>`PHASE epoch N/M  ...`, `PHASE: N epochs...`, `final: ...`, `weights: ...`, `trained NAME in ...` as the CLI's plain display prints them.</summary>
        internal static bool IsResultLine(string line) =>
            line.StartsWith("final: ", StringComparison.Ordinal) || line.StartsWith("weights: ", StringComparison.Ordinal)
            || line.StartsWith("trained ", StringComparison.Ordinal) || EpochOrPhaseResult.IsMatch(line);

        private static readonly Regex EpochOrPhaseResult = new Regex(@"^\S+( epoch \d+/\d+  |: \d+ epochs)", RegexOptions.CultureInvariant);

        protected override void AppendArguments(CommandLineBuilder builder)
        {
            builder.AppendSwitch("train");
            builder.AppendFileNameIfNotNull(Spec);
            builder.AppendSwitch("--progress");
            builder.AppendSwitch("lines");
            builder.AppendSwitchIfNotNull("--report ", Report);
            if (!string.IsNullOrEmpty(Output)) builder.AppendSwitchIfNotNull("--output ", Output);
            if (Resume) builder.AppendSwitch("--resume");
            if (Threads > 0) builder.AppendSwitch("--threads " + Threads.ToString(CultureInfo.InvariantCulture));
        }

        protected override bool HandleTaskExecutionErrors()
        {
            if (ExitCode == 130)
            {
                Log.LogError(null, "SPT0398", null, Spec, 0, 0, 0, 0,
                    "Training was cancelled; a checkpoint was saved. Build with -p:SpecTuneResume=true to continue from it.");
                return false;
            }
            return base.HandleTaskExecutionErrors();
        }

        public override bool Execute()
        {
            Log.LogMessage(MessageImportance.High, "SpecTune: training {0}", Spec);
            var ok = base.Execute();
            if (ok && ExitCode == 0)
            {
                TrainedSpec = Spec;
                if (!string.IsNullOrEmpty(Stamp) && !string.IsNullOrEmpty(Fingerprint)) TrainingStamp.Write(Stamp!, Fingerprint!);
            }
            return ok;
        }
    }
}
