using System.CommandLine;
using System.Diagnostics;
using SpecTune.Spec;
using SpecTune.Training;
using Spectre.Console;
using TorchSharp;

namespace SpecTune.Cli.Commands;

/// <summary><c>spectune train SPEC</c>: runs every phase of a spec.</summary>
internal static class TrainCommand
{
    public static Command Create(CliConsole console, CancellationToken cancel)
    {
        var spec = new Argument<string>("spec") { Description = "The *.spectune.yaml file." };
        var resume = new Option<bool>("--resume") { Description = "Continue from the latest checkpoint (written for the same spec)." };
        var json = new Option<bool>("--json") { Description = "Print a machine-readable summary on stdout (progress goes to stderr)." };
        var threads = new Option<int?>("--threads") { Description = "libtorch intra-op threads (default: the spec's threads, else the machine's cores)." };
        var output = new Option<string?>("--output", "-o") { Description = "Also write the final weights to this .safetensors file." };
        var report = new Option<string?>("--report") { Description = "Write the JSON summary to this file when training finishes (not when cancelled or failed)." };
        var progress = new Option<string>("--progress")
        {
            Description = "auto (bars on a terminal, lines otherwise), bars, or lines.",
            DefaultValueFactory = _ => "auto",
        };
        progress.AcceptOnlyFromAmong("auto", "bars", "lines");
        var listInputs = new Option<bool>("--list-inputs") { Description = "Print every file training reads (spec, data, base weights), one per line, and exit (with --list-outputs: labelled lines and the spec's hash)." };
        var listOutputs = new Option<bool>("--list-outputs") { Description = "Print the files training writes (weights, latest checkpoint), one per line, and exit." };

        var command = new Command("train", "Fine-tune as the spec says: every phase, with checkpoints; Ctrl+C saves a checkpoint and exits with 130.")
        {
            spec, resume, json, threads, output, report, progress, listInputs, listOutputs,
        };
        command.SetAction(parse => Run(console, cancel, parse.GetValue(spec)!, parse.GetValue(resume), parse.GetValue(json), parse.GetValue(threads),
            parse.GetValue(output), parse.GetValue(report), parse.GetValue(progress)!, parse.GetValue(listInputs), parse.GetValue(listOutputs)));
        return command;
    }

    private static int Run(CliConsole console, CancellationToken cancel, string specPath, bool resume, bool json, int? threads,
        string? output, string? reportPath, string progressMode, bool listInputs, bool listOutputs)
    {
        var file = SpecFile.Load(specPath, console, printWarnings: !(listInputs || listOutputs));
        if (file is null) return ExitCodes.Error;

        if (listInputs || listOutputs)
        {
            // With both, each line says which list it belongs to, so one call serves the build's Inputs and Outputs.
            bool both = listInputs && listOutputs;
            if (listInputs) foreach (var path in file.Inputs()) console.Out.WriteLine(both ? "input: " + path : path);
            if (listOutputs) foreach (var path in file.Outputs()) console.Out.WriteLine(both ? "output: " + path : path);
            // The build decides by content whether to train: this hash ignores comments and formatting.
            if (both) console.Out.WriteLine("spec-hash: " + SpecHash.Compute(file.Spec));
            return ExitCodes.Success;
        }
        if (threads is <= 0)
        {
            console.Error.WriteLine("spectune: error: --threads must be greater than 0");
            return ExitCodes.Error;
        }

        var clock = Stopwatch.StartNew();
        var progressWriter = json ? console.Error : console.Out;
        bool bars = progressMode == "bars" || (progressMode == "auto" && console.Interactive && !json);
        try
        {
            using var job = FineTuneJob.FromSpec(file.Spec, file.Directory);
            // Threads are not written into the spec: its hash, which checkpoints check on resume, stays the same.
            if (threads is int count) torch.set_num_threads(count);
            if (job.WeightReport is { } loaded)
                foreach (var warning in loaded.Warnings) console.Error.WriteLine($"{specPath}: warning: {warning}");

            var plans = PhasePlanner.Plan(file.Spec);
            TrainingDisplay display = bars
                ? new LiveTrainingDisplay(plans, AnsiConsole.Create(new AnsiConsoleSettings
                {
                    Out = new AnsiConsoleOutput(progressWriter),
                    Interactive = InteractionSupport.Yes,
                    Ansi = AnsiSupport.Detect,
                }))
                : new PlainTrainingDisplay(plans, progressWriter);
            var options = new TrainingOptions { Resume = resume, Progress = display, Cancellation = cancel, ProgressInterval = 1 };
            var result = display.Run(() => job.Train(options));

            if (result.Cancelled)
            {
                progressWriter.WriteLine($"cancelled: checkpoint saved at {result.CheckpointPath}; continue with: spectune train {specPath} --resume");
                if (json) console.Out.WriteLine(TrainingSummary.ToJson(result, file.FullPath, clock.Elapsed.TotalSeconds, null));
                return ExitCodes.Cancelled;
            }

            string? extra = null;
            if (output is not null)
            {
                extra = Path.GetFullPath(output);
                job.SaveWeights(extra);
            }
            var summary = TrainingSummary.ToJson(result, file.FullPath, clock.Elapsed.TotalSeconds, extra);
            if (reportPath is not null) WriteAtomically(Path.GetFullPath(reportPath), summary);
            if (json) console.Out.WriteLine(summary);
            else WriteSummary(progressWriter, result, extra, clock.Elapsed);
            return ExitCodes.Success;
        }
        catch (Exception error) when (RunErrors.Describe(error) is { } diagnostics)
        {
            foreach (var diagnostic in diagnostics) console.Error.WriteLine(diagnostic);
            return ExitCodes.Error;
        }
    }

    /// <summary>The report is the build's proof of a finished run, so a half-written one must never exist.</summary>
    private static void WriteAtomically(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + "." + Environment.ProcessId + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }

    private static void WriteSummary(TextWriter output, TrainingReport report, string? extraOutput, TimeSpan elapsed)
    {
        foreach (var phase in report.Phases)
        {
            var stopped = phase.StoppedEarly ? ", stopped early" : "";
            var best = phase.BestEpoch is int b ? $", restored epoch {b + 1}" : "";
            output.WriteLine($"{phase.Name}: {phase.EpochsRun} epochs{stopped}{best}; {phase.TrainableWeights:N0} trainable, {phase.FrozenWeights:N0} frozen weights; {TrainingDisplay.FormatMetrics(phase.Final)}");
        }
        if (report.Evaluation is { } evaluation)
            output.WriteLine($"final: val-loss {TrainingDisplay.Format(evaluation.Loss)}  {TrainingDisplay.FormatMetrics(evaluation.Metrics)}");
        if (report.OutputPath is not null) output.WriteLine($"weights: {report.OutputPath}");
        if (extraOutput is not null) output.WriteLine($"weights: {extraOutput}");
        output.WriteLine($"checkpoint: {report.CheckpointPath}");
        output.WriteLine($"trained {report.SpecName} in {TrainingDisplay.Format(elapsed)}");
    }
}
