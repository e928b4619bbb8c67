using System.Text.Json;

namespace SpecTune.Tests;

[Collection(CliCollection.Name)]
public sealed class TrainCommandTests : IDisposable
{
    private readonly TestWorkspace _workspace = new();

    [Fact]
    public void Training_writes_weights_checkpoint_and_log_and_prints_one_line_per_epoch()
    {
        var spec = TinySpec.Write(_workspace);
        var report = _workspace.PathOf("obj/report.json");
        var result = CliRunner.Run("train", spec, "--threads", "1", "--report", report);
        Assert.True(result.ExitCode == 0, result.ToString());

        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Count(l => l.Contains(" epoch ", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.StartsWith("head-only epoch 2/2  train-loss ", StringComparison.Ordinal) && l.Contains("val-accuracy") && l.Contains("ETA"));
        Assert.Contains(lines, l => l.StartsWith("phase 2/2 unfreeze: up to 1 epochs of 4 steps, training head, body", StringComparison.Ordinal));
        Assert.Contains($"weights: {_workspace.PathOf("out/tiny.safetensors")}", result.Out);
        Assert.True(File.Exists(_workspace.PathOf("out/tiny.safetensors")));
        Assert.True(File.Exists(_workspace.PathOf("artifacts/Tiny/checkpoints/checkpoint-latest.safetensors")));
        Assert.Equal(3, File.ReadAllLines(_workspace.PathOf("out/tiny.metrics.jsonl")).Length);

        using var json = JsonDocument.Parse(File.ReadAllText(report));
        Assert.Equal("Tiny", json.RootElement.GetProperty("spec").GetString());
        Assert.False(json.RootElement.GetProperty("cancelled").GetBoolean());
        Assert.Equal(2, json.RootElement.GetProperty("phases").GetArrayLength());
        // head-only trains the head's 8 + 1 weights; the base (12·12·8 + 8) is frozen.
        var first = json.RootElement.GetProperty("phases")[0];
        Assert.Equal(9, first.GetProperty("trainableWeights").GetInt64());
        Assert.Equal(1160, first.GetProperty("frozenWeights").GetInt64());
    }

    [Fact]
    public void Json_prints_only_the_summary_on_stdout()
    {
        var spec = TinySpec.Write(_workspace);
        var result = CliRunner.Run("train", spec, "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal(3, json.RootElement.GetProperty("epochs").GetInt32());
        Assert.Equal(_workspace.PathOf("out/tiny.safetensors"), json.RootElement.GetProperty("output").GetString());
        Assert.True(json.RootElement.GetProperty("evaluation").GetProperty("metrics").GetProperty("accuracy").GetDouble() > 0);
        Assert.Contains("unfreeze epoch 1/1", result.Error);
    }

    [Fact]
    public void Cancelling_saves_a_checkpoint_exits_130_and_resume_finishes_the_run()
    {
        var spec = TinySpec.Write(_workspace);
        var report = _workspace.PathOf("report.json");
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var stopped = CliRunner.Run(cancel.Token, "train", spec, "--report", report);
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        Assert.Contains("cancelled: checkpoint saved at", stopped.Out);
        Assert.True(File.Exists(_workspace.PathOf("artifacts/Tiny/checkpoints/checkpoint-latest.safetensors")));
        Assert.False(File.Exists(_workspace.PathOf("out/tiny.safetensors")));
        Assert.False(File.Exists(report));

        var resumed = CliRunner.Run("train", spec, "--resume", "--report", report);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.True(File.Exists(_workspace.PathOf("out/tiny.safetensors")));
        Assert.True(File.Exists(report));
    }

    [Fact]
    public void List_inputs_and_outputs_name_spec_data_and_weights_without_training()
    {
        var spec = TinySpec.Write(_workspace, replace: "input: [1, 12, 12],", with: "input: [1, 12, 12], weights: base.safetensors,");
        var inputs = CliRunner.Run("train", spec, "--list-inputs");
        Assert.Equal(0, inputs.ExitCode);
        Assert.Equal(new[]
        {
            spec,
            _workspace.PathOf("train-images-idx3-ubyte.gz"), _workspace.PathOf("train-labels-idx1-ubyte.gz"),
            _workspace.PathOf("valid-images-idx3-ubyte.gz"), _workspace.PathOf("valid-labels-idx1-ubyte.gz"),
            _workspace.PathOf("base.safetensors"),
        }, inputs.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var both = CliRunner.Run("train", spec, "--list-inputs", "--list-outputs");
        Assert.Contains("output: " + _workspace.PathOf("out/tiny.safetensors"), both.Out.Split('\n'));
        Assert.Contains("input: " + spec, both.Out.Split('\n'));
        Assert.False(Directory.Exists(_workspace.PathOf("artifacts")));
    }

    [Fact]
    public void The_listed_spec_hash_ignores_comments_and_follows_values()
    {
        string HashOf(string spec) => Assert.Single(CliRunner.Run("train", spec, "--list-inputs", "--list-outputs").Out.Split('\n'), l => l.StartsWith("spec-hash: ", StringComparison.Ordinal));
        var plain = HashOf(TinySpec.Write(_workspace));
        Assert.Equal(plain, HashOf(TinySpec.Write(_workspace, replace: "# comment line", with: "# another comment\n# and one more")));
        Assert.NotEqual(plain, HashOf(TinySpec.Write(_workspace, replace: "batch-size: 16", with: "batch-size: 8")));
    }

    [Fact]
    public void A_missing_weights_file_is_an_error_at_base_weights()
    {
        var spec = TinySpec.Write(_workspace, replace: "input: [1, 12, 12],", with: "input: [1, 12, 12], weights: none.safetensors,");
        var result = CliRunner.Run("train", spec);
        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"^.*tiny\.spectune\.yaml\(3,\d+\): error SPT0301: .*none\.safetensors", result.Error.Trim());
    }

    public void Dispose() => _workspace.Dispose();
}
