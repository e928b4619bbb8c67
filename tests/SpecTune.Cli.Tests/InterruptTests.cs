using System.Diagnostics;

namespace SpecTune.Tests;

/// <summary>Ctrl+C on a real spectune process: the run stops at the next step, saves a checkpoint and exits with 130.</summary>
[Collection(CliCollection.Name)]
public sealed class InterruptTests : IDisposable
{
    private readonly TestWorkspace _workspace = new();

    [Fact]
    public async Task Sigint_saves_a_checkpoint_and_exits_130()
    {
        // Enough epochs that the signal arrives while training runs.
        var spec = TinySpec.Write(_workspace, replace: "epochs: 2, train: [head]", with: "epochs: 400, train: [head]");
        var cli = Path.Combine(AppContext.BaseDirectory, "SpecTune.Cli.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { cli, "train", spec, "--threads", "1" }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();

        string? line;
        do line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        while (line is not null && !line.StartsWith("head-only epoch 1/400", StringComparison.Ordinal));
        Assert.NotNull(line);
        using (var kill = Process.Start("kill", new[] { "-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) })) kill.WaitForExit();

        var rest = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}\n{rest}\n{await stderr}");
        Assert.Contains("cancelled: checkpoint saved at", rest);
        Assert.True(File.Exists(_workspace.PathOf("artifacts/Tiny/checkpoints/checkpoint-latest.safetensors")));
        Assert.False(File.Exists(_workspace.PathOf("out/tiny.safetensors")));
    }

    public void Dispose() => _workspace.Dispose();
}
