using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace SpecTune.Build
{
    /// <summary>
    /// Asks the CLI which files training a spec reads and writes and the spec's hash (<c>spectune train SPEC --list-inputs
    /// --list-outputs</c>), and decides by content whether the spec is up to date (<see cref="TrainingStamp"/>). A spec
    /// with errors fails here, with each diagnostic at its line, before anything is trained.
    /// </summary>
    public sealed class SpecTuneListFiles : SpecTuneToolTask
    {
        private readonly List<string> _inputs = new List<string>();
        private readonly List<string> _outputs = new List<string>();
        private string _specHash = "";

        /// <summary>The folder for reports (obj/.../spectune/).</summary>
        [Required]
        public string IntermediatePath { get; set; } = "";

        /// <summary>SpecTune's version: part of the report's name, so a new version retrains.</summary>
        [Required]
        public string Version { get; set; } = "";

        /// <summary>The item's WeightsOutput metadata: an extra weights file to write.</summary>
        public string? WeightsOutput { get; set; }

        /// <summary>Every input file, with metadata Spec, Report and Weights (constant per spec, for target batching).</summary>
        [Output]
        public ITaskItem[] Inputs { get; private set; } = Array.Empty<ITaskItem>();

        /// <summary>
        /// The spec itself with metadata Report, Weights, ExtraOutput, Stamp, Fingerprint and UpToDate (true when the
        /// stamp of the last finished run has this fingerprint and the report and weights exist).
        /// </summary>
        [Output]
        public ITaskItem? SpecInfo { get; private set; }

        protected override void AppendArguments(CommandLineBuilder builder)
        {
            builder.AppendSwitch("train");
            builder.AppendFileNameIfNotNull(Spec);
            builder.AppendSwitch("--list-inputs");
            builder.AppendSwitch("--list-outputs");
        }

        protected override bool HandleLine(string line)
        {
            if (line.StartsWith("input: ", StringComparison.Ordinal)) { _inputs.Add(line.Substring(7)); return true; }
            if (line.StartsWith("output: ", StringComparison.Ordinal)) { _outputs.Add(line.Substring(8)); return true; }
            if (line.StartsWith("spec-hash: ", StringComparison.Ordinal)) { _specHash = line.Substring(11); return true; }
            return false;
        }

        public override bool Execute()
        {
            if (!base.Execute()) return false;
            var spec = Path.GetFullPath(Spec);
            var report = Path.Combine(Path.GetFullPath(IntermediatePath), ReportName(spec, Version));
            // The item's WeightsOutput metadata, else the spec's own output: (listed first unless there is only the checkpoint).
            string weights = !string.IsNullOrEmpty(WeightsOutput) ? Path.GetFullPath(WeightsOutput)
                : _outputs.Count > 1 ? _outputs[0] : "";
            var items = new List<ITaskItem>();
            foreach (var input in _inputs)
            {
                var item = new TaskItem(input);
                item.SetMetadata("Spec", spec);
                item.SetMetadata("Report", report);
                item.SetMetadata("Weights", weights);
                item.SetMetadata("ExtraOutput", string.IsNullOrEmpty(WeightsOutput) ? "" : weights);
                items.Add(item);
            }
            Inputs = items.ToArray();
            var stamp = report.Substring(0, report.Length - ".report.json".Length) + ".stamp";
            var extra = string.IsNullOrEmpty(WeightsOutput) ? "" : weights;
            var fingerprint = TrainingStamp.Fingerprint(Version, _specHash, extra, spec, _inputs, stamp + ".digests");
            var info = new TaskItem(spec);
            info.SetMetadata("Report", report);
            info.SetMetadata("Weights", weights);
            info.SetMetadata("ExtraOutput", extra);
            info.SetMetadata("Stamp", stamp);
            info.SetMetadata("Fingerprint", fingerprint);
            info.SetMetadata("UpToDate", TrainingStamp.IsUpToDate(stamp, fingerprint, report, weights) ? "true" : "false");
            SpecInfo = info;
            return true;
        }

        /// <summary>NAME.HASH.VERSION.report.json: unique per spec path, and new for every SpecTune version.</summary>
        private static string ReportName(string spec, string version)
        {
            using var sha = SHA256.Create();
            var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(spec));
            var shortHash = BitConverter.ToString(hash, 0, 4).Replace("-", "").ToLowerInvariant();
            var name = Path.GetFileName(spec);
            if (name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)) name = name.Substring(0, name.Length - 5);
            return $"{name}.{shortHash}.{version}.report.json";
        }
    }
}
