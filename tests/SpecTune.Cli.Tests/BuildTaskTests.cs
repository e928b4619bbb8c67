using System.Collections;
using Microsoft.Build.Framework;
using SpecTune.Build;

namespace SpecTune.Tests;

/// <summary>
/// The MSBuild tasks against stand-in CLIs (shell scripts): what reaches the build log for diagnostics,
/// crashes, cancellation and listed files. The real CLI under real MSBuild is the end-to-end test's job.
/// </summary>
public sealed class BuildTaskTests : IDisposable
{
    private readonly TestWorkspace _workspace = new();

    [Fact]
    public void A_diagnostic_line_becomes_an_error_at_the_spec_line()
    {
        var spec = _workspace.WriteSpec("a.spectune.yaml", "spectune: 1\n");
        var engine = new RecordingEngine();
        var task = Train(engine, Script("echo 'phase 1/1 tune: up to 1 epochs'\necho \"$2(7,5): error SPT0008: 'x' is not a valid value\" >&2\nexit 1"), spec);
        Assert.False(task.Execute());
        var error = Assert.Single(engine.Errors);
        Assert.Equal((spec, 7, 5, "SPT0008"), (error.File, error.LineNumber, error.ColumnNumber, error.Code));
        Assert.Equal("'x' is not a valid value", error.Message);
        Assert.Contains(engine.Messages, m => m.Message == "phase 1/1 tune: up to 1 epochs" && m.Importance == MessageImportance.Normal);
        Assert.Null(task.TrainedSpec);
    }

    [Fact]
    public void Epoch_and_result_lines_are_high_importance_so_the_terminal_logger_shows_them()
    {
        var spec = _workspace.WriteSpec("a.spectune.yaml", "spectune: 1\n");
        var engine = new RecordingEngine();
        var task = Train(engine, Script("""
            echo 'phase 1/1 tune: up to 1 epochs of 4 steps, training head'
            echo 'tune epoch 1/1  train-loss 0.6000  val-accuracy 0.5000  0.1s  ETA 00:00'
            echo 'tune: 1 epochs; 9 trainable, 0 frozen weights; val-accuracy 0.5000'
            echo 'final: val-loss 0.6000  val-accuracy 0.5000'
            echo 'weights: /w/a.safetensors'
            echo 'trained A in 00:01'
            """), spec);
        Assert.True(task.Execute());
        MessageImportance ImportanceOf(string start) => Assert.Single(engine.Messages, m => m.Message!.StartsWith(start, StringComparison.Ordinal)).Importance;
        Assert.Equal(MessageImportance.Normal, ImportanceOf("phase 1/1"));
        Assert.Equal(MessageImportance.High, ImportanceOf("tune epoch 1/1"));
        Assert.Equal(MessageImportance.High, ImportanceOf("tune: 1 epochs"));
        Assert.Equal(MessageImportance.High, ImportanceOf("final: "));
        Assert.Equal(MessageImportance.High, ImportanceOf("weights: "));
        Assert.Equal(MessageImportance.High, ImportanceOf("trained A"));
    }

    [Fact]
    public void A_crashed_child_is_an_error_with_its_last_output()
    {
        var spec = _workspace.WriteSpec("a.spectune.yaml", "spectune: 1\n");
        var engine = new RecordingEngine();
        var task = Train(engine, Script("echo 'head-only epoch 1/3  train-loss 0.6'\necho 'Segmentation fault' >&2\nkill -SEGV $$"), spec);
        Assert.False(task.Execute());
        var error = Assert.Single(engine.Errors);
        Assert.Equal("SPT0399", error.Code);
        Assert.Equal(spec, error.File);
        Assert.Contains("died (exit code 139, signal 11)", error.Message);
        Assert.Contains("head-only epoch 1/3  train-loss 0.6", error.Message);
        Assert.Contains("Segmentation fault", error.Message);
    }

    [Fact]
    public void Exit_code_130_says_how_to_resume()
    {
        var spec = _workspace.WriteSpec("a.spectune.yaml", "spectune: 1\n");
        var engine = new RecordingEngine();
        Assert.False(Train(engine, Script("exit 130"), spec).Execute());
        Assert.Contains("-p:SpecTuneResume=true", Assert.Single(engine.Errors).Message);
    }

    [Fact]
    public void Success_reports_the_trained_spec_and_passes_the_options()
    {
        var spec = _workspace.WriteSpec("a.spectune.yaml", "spectune: 1\n");
        var args = _workspace.PathOf("args.txt");
        var engine = new RecordingEngine();
        var task = Train(engine, Script($"echo \"$@\" > '{args}'\necho \"$LD_LIBRARY_PATH\" >> '{args}'"), spec);
        task.Resume = true;
        task.Threads = 2;
        task.Output = "/w/extra.safetensors";
        task.NativeSearchPath = "/native";
        Assert.True(task.Execute(), string.Join("\n", engine.Errors.Select(e => e.Message)));
        Assert.Equal(spec, task.TrainedSpec);
        var lines = File.ReadAllLines(args);
        Assert.Equal($"train {spec} --progress lines --report {_workspace.PathOf("r.json")} --output /w/extra.safetensors --resume --threads 2", lines[0]);
        Assert.StartsWith("/native", lines[1]);
    }

    [Fact]
    public void Listing_turns_input_and_output_lines_into_items_batched_per_spec()
    {
        var spec = _workspace.WriteSpec("a.spectune.yaml", "spectune: 1\n");
        var engine = new RecordingEngine();
        var task = new SpecTuneListFiles
        {
            BuildEngine = engine,
            CliPath = Script($"echo 'input: {spec}'\necho 'input: /data/train.csv'\necho 'output: /w/a.safetensors'\necho 'output: /w/checkpoint-latest.safetensors'"),
            Spec = spec,
            IntermediatePath = _workspace.PathOf("obj"),
            Version = "1.2.3",
        };
        Assert.True(task.Execute());
        Assert.Equal(new[] { spec, "/data/train.csv" }, task.Inputs.Select(i => i.ItemSpec));
        var report = task.SpecInfo!.GetMetadata("Report");
        Assert.StartsWith(_workspace.PathOf("obj/a.spectune."), report);
        Assert.EndsWith(".1.2.3.report.json", report);
        Assert.All(task.Inputs, i => Assert.Equal((spec, report, "/w/a.safetensors", ""), (i.GetMetadata("Spec"), i.GetMetadata("Report"), i.GetMetadata("Weights"), i.GetMetadata("ExtraOutput"))));
    }

    [Fact]
    public void Up_to_date_is_decided_by_content_not_timestamps()
    {
        var spec = _workspace.WriteSpec("a.spectune.yaml", "spectune: 1\n");
        var data = _workspace.PathOf("train.csv");
        File.WriteAllText(data, "x,label\n1,0\n");
        var weights = _workspace.PathOf("a.safetensors");
        var hash = _workspace.PathOf("hash.txt");
        File.WriteAllText(hash, "aaaa");
        var cli = Script($"echo 'input: {spec}'\necho 'input: {data}'\necho 'output: {weights}'\necho 'output: /w/checkpoint-latest.safetensors'\necho \"spec-hash: $(cat '{hash}')\"");
        ITaskItem List()
        {
            var task = new SpecTuneListFiles { BuildEngine = new RecordingEngine(), CliPath = cli, Spec = spec, IntermediatePath = _workspace.PathOf("obj"), Version = "1.2.3" };
            Assert.True(task.Execute());
            return task.SpecInfo!;
        }

        var first = List();
        Assert.Equal("false", first.GetMetadata("UpToDate"));
        // A finished run: the CLI writes the report and the weights, the task the stamp.
        var train = Train(new RecordingEngine(), Script($"echo '{{}}' > '{first.GetMetadata("Report")}'\necho w > '{weights}'"), spec);
        (train.Report, train.Stamp, train.Fingerprint) = (first.GetMetadata("Report"), first.GetMetadata("Stamp"), first.GetMetadata("Fingerprint"));
        Assert.True(train.Execute());
        Assert.Equal("true", List().GetMetadata("UpToDate"));

        // Newer timestamps with the same content (a spec edit the hash ignores, a data file touched): still up to date.
        File.SetLastWriteTimeUtc(spec, DateTime.UtcNow.AddMinutes(1));
        File.SetLastWriteTimeUtc(data, DateTime.UtcNow.AddMinutes(1));
        Assert.Equal("true", List().GetMetadata("UpToDate"));

        // Changed data (even with its old timestamp) trains again; so does a changed spec hash, or lost weights.
        var stamp = File.GetLastWriteTimeUtc(data);
        File.WriteAllText(data, "x,label\n2,0\n");
        File.SetLastWriteTimeUtc(data, stamp.AddTicks(1));
        Assert.Equal("false", List().GetMetadata("UpToDate"));
        File.WriteAllText(data, "x,label\n1,0\n");
        Assert.Equal("true", List().GetMetadata("UpToDate"));
        File.WriteAllText(hash, "bbbb");
        Assert.Equal("false", List().GetMetadata("UpToDate"));
        File.WriteAllText(hash, "aaaa");
        File.Delete(weights);
        Assert.Equal("false", List().GetMetadata("UpToDate"));
    }

    [Fact]
    public void A_missing_cli_is_a_clear_error()
    {
        var engine = new RecordingEngine();
        var task = Train(engine, _workspace.PathOf("nothing/SpecTune.Cli.dll"), _workspace.PathOf("a.spectune.yaml"));
        Assert.False(task.Execute());
        Assert.Contains("the spectune CLI was not found", Assert.Single(engine.Errors).Message);
    }

    private SpecTuneTrain Train(RecordingEngine engine, string cli, string spec) => new()
    {
        BuildEngine = engine,
        CliPath = cli,
        Spec = spec,
        Report = _workspace.PathOf("r.json"),
    };

    private string Script(string body)
    {
        var path = _workspace.PathOf($"cli-{Guid.NewGuid():N}.sh");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    public void Dispose() => _workspace.Dispose();

    internal sealed class RecordingEngine : IBuildEngine
    {
        public List<BuildErrorEventArgs> Errors { get; } = new();
        public List<BuildMessageEventArgs> Messages { get; } = new();
        public bool ContinueOnError => false;
        public int LineNumberOfTaskNode => 0;
        public int ColumnNumberOfTaskNode => 0;
        public string ProjectFileOfTaskNode => "test.csproj";
        public void LogErrorEvent(BuildErrorEventArgs e) => Errors.Add(e);
        public void LogWarningEvent(BuildWarningEventArgs e) { }
        public void LogMessageEvent(BuildMessageEventArgs e) => Messages.Add(e);
        public void LogCustomEvent(CustomBuildEventArgs e) { }
        public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs) => false;
    }
}
