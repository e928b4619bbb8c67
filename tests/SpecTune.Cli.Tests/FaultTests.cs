using System.Diagnostics;
using System.Globalization;
using SpecTune.Checkpoints;
using SpecTune.Cli;

namespace SpecTune.Tests;

/// <summary>Faults while running a spec end in one SPT error at the spec line, exit 1, before any epoch trains.</summary>
[Collection(CliCollection.Name)]
public sealed class FaultTests : IDisposable
{
    private readonly TestWorkspace _workspace = new();

    [Fact]
    public void An_output_folder_that_cannot_be_created_is_SPT0330_at_output_before_training()
    {
        File.WriteAllText(_workspace.PathOf("blocker"), "a file where the output folder would be");
        var spec = TinySpec.Write(_workspace, replace: "output: out/tiny.safetensors", with: "output: blocker/tiny.safetensors");
        var result = CliRunner.Run("train", spec);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Matches(@"tiny\.spectune\.yaml\(22,\d+\): error SPT0330: .*blocker", result.Error);
        Assert.DoesNotContain("epoch 1/", result.Out);
    }

    [Fact]
    public void A_missing_output_folder_is_created_before_training_and_receives_the_weights()
    {
        var spec = TinySpec.Write(_workspace, replace: "output: out/tiny.safetensors", with: "output: new/deeper/tiny.safetensors");
        var result = CliRunner.Run("train", spec);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(_workspace.PathOf("new/deeper/tiny.safetensors")));
    }

    [Fact]
    public void Resume_with_a_folder_at_the_checkpoint_path_is_SPT0331_not_a_fresh_start()
    {
        var spec = TinySpec.Write(_workspace);
        Directory.CreateDirectory(_workspace.PathOf("artifacts/Tiny/checkpoints/checkpoint-latest.safetensors"));
        var result = CliRunner.Run("train", spec, "--resume");
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("error SPT0331", result.Error);
        Assert.Contains("checkpoint-latest.safetensors is a folder", result.Error);
        Assert.DoesNotContain("epoch 1/", result.Out);
    }

    [Fact]
    public void A_cuda_device_without_a_cuda_backend_is_SPT0335_at_device()
    {
        var spec = TinySpec.Write(_workspace, replace: "seed: 7", with: "seed: 7\ndevice: cuda");
        var result = CliRunner.Run("train", spec);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Matches(@"tiny\.spectune\.yaml\(22,\d+\): error SPT0335: device is 'cuda'", result.Error);
    }

    [Fact]
    public void A_second_run_while_the_first_holds_the_checkpoint_folder_is_SPT0333_naming_folder_and_pid()
    {
        var spec = TinySpec.Write(_workspace);
        using var running = OutputLock.Acquire(_workspace.PathOf("artifacts/Tiny/checkpoints"));
        var result = CliRunner.Run("train", spec, "--resume");
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("error SPT0333", result.Error);
        Assert.Contains(_workspace.PathOf("artifacts/Tiny/checkpoints"), result.Error);
        Assert.Contains("process " + Environment.ProcessId.ToString(CultureInfo.InvariantCulture), result.Error);
        Assert.DoesNotContain("epoch 1/", result.Out);
    }

    [Fact]
    public void A_NaN_loss_with_a_sigmoid_head_is_SPT0302_at_the_phase()
    {
        // Base weights that overflowed (finite, but float.MaxValue in the first layer): the hidden activations become inf, the
        // sigmoid's input NaN (inf - inf), and so does the loss, in the first phase (line 19).
        var first = CliRunner.Run("train", TinySpec.Write(_workspace));
        Assert.True(first.ExitCode == 0, first.ToString());
        Dictionary<string, TorchSharp.torch.Tensor> tensors;
        using (var file = SpecTune.Weights.SafeTensors.Read(_workspace.PathOf("out/tiny.safetensors"))) tensors = file.ReadAll();
        var body = tensors.Keys.Where(k => k.StartsWith("layers.", StringComparison.Ordinal) && k.EndsWith(".weight", StringComparison.Ordinal)).Order(StringComparer.Ordinal).First();
        tensors[body].fill_(float.MaxValue);
        SpecTune.Weights.SafeTensors.Write(_workspace.PathOf("base.safetensors"), tensors, null);
        foreach (var tensor in tensors.Values) tensor.Dispose();

        var spec = TinySpec.Write(_workspace, "nan.spectune.yaml", replace: "input: [1, 12, 12],", with: "input: [1, 12, 12], weights: base.safetensors,");
        var result = CliRunner.Run("train", spec);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Matches(@"nan\.spectune\.yaml\(19,\d+\): error SPT0302: The loss became NaN in phase 'head-only'", result.Error);
    }

    [Fact]
    public void A_NaN_in_the_base_weights_is_SPT0334_at_base_weights_naming_the_tensor()
    {
        // Base weights from a first run, with one NaN planted in the body.
        var first = CliRunner.Run("train", TinySpec.Write(_workspace));
        Assert.True(first.ExitCode == 0, first.ToString());
        Dictionary<string, TorchSharp.torch.Tensor> tensors;
        using (var file = SpecTune.Weights.SafeTensors.Read(_workspace.PathOf("out/tiny.safetensors"))) tensors = file.ReadAll();
        var body = tensors.Keys.Where(k => k.StartsWith("layers.", StringComparison.Ordinal)).Order(StringComparer.Ordinal).First();
        tensors[body].view(-1)[0] = TorchSharp.torch.tensor(float.NaN);
        SpecTune.Weights.SafeTensors.Write(_workspace.PathOf("base.safetensors"), tensors, null);
        foreach (var tensor in tensors.Values) tensor.Dispose();

        var spec = TinySpec.Write(_workspace, "nan.spectune.yaml", replace: "input: [1, 12, 12],", with: "input: [1, 12, 12], weights: base.safetensors,");
        var result = CliRunner.Run("train", spec);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Matches(@"nan\.spectune\.yaml\(3,\d+\): error SPT0334: .*base\.safetensors: tensor '" + body.Replace(".", "\\.") + "' holds 1 NaN", result.Error);
    }

    [Fact]
    public async Task The_training_child_stops_when_its_parent_is_killed_with_SIGKILL()
    {
        if (OperatingSystem.IsWindows()) return;
        // Far more epochs than the bounded wait below allows: only the parent watch ends the child in time.
        var spec = TinySpec.Write(_workspace, replace: "epochs: 2, train: [head]", with: "epochs: 100000, train: [head]");
        var cli = Path.Combine(AppContext.BaseDirectory, "SpecTune.Cli.dll");
        // The parent (a shell, as the build would be) starts the CLI as its child, says the child's pid, and waits.
        var script = $"{ParentWatch.VariableName}=$$ dotnet \"$0\" train \"$1\" --threads 1 & echo \"child $!\"; wait";
        var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-c", script, cli, spec }) start.ArgumentList.Add(arg);
        using var parent = Process.Start(start)!;
        var stderr = parent.StandardError.ReadToEndAsync();

        var first = await parent.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.StartsWith("child ", first);
        using var child = Process.GetProcessById(int.Parse(first!["child ".Length..], CultureInfo.InvariantCulture));
        string? line;
        do line = await parent.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        while (line is not null && !line.StartsWith("head-only epoch 1/100000", StringComparison.Ordinal));
        Assert.NotNull(line);

        parent.Kill(); // SIGKILL: the parent gets no chance to stop its child
        await parent.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await child.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(child.HasExited, await stderr);
        Assert.True(File.Exists(_workspace.PathOf("artifacts/Tiny/checkpoints/checkpoint-latest.safetensors")));
        Assert.False(File.Exists(_workspace.PathOf("out/tiny.safetensors")));
    }

    public void Dispose() => _workspace.Dispose();
}
