using System.Diagnostics;
using SpecTune.Checkpoints;
using SpecTune.Faults;
using SpecTune.Tests.Weights;

namespace SpecTune.Tests.Checkpoints;

public sealed class OutputLockTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private string Folder => _folder.File("checkpoints");

    [Fact]
    public void A_second_lock_on_the_folder_is_refused_naming_the_folder_and_the_holders_pid()
    {
        using var first = OutputLock.Acquire(Folder);

        var error = Assert.Throws<RunFaultException>(() => OutputLock.Acquire(Folder));
        Assert.Equal("SPT0333", error.Id);
        Assert.Equal("checkpoints", error.SpecKey);
        Assert.Equal(Path.GetFullPath(Folder), error.FilePath);
        Assert.Contains(Path.GetFullPath(Folder), error.Message);
        Assert.Contains("process " + Environment.ProcessId, error.Message);
    }

    [Fact]
    public void Disposing_releases_the_lock_for_the_next_run()
    {
        OutputLock.Acquire(Folder).Dispose();
        using var second = OutputLock.Acquire(Folder);
        Assert.Equal(Path.GetFullPath(Folder), second.Folder);
    }

    [Fact]
    public void Another_process_cannot_take_the_lock_while_it_is_held_and_can_once_released()
    {
        if (OperatingSystem.IsWindows()) return; // flock(1) is the independent second process on Unix
        var lockFile = Path.Combine(Folder, OutputLock.FileName);
        using (OutputLock.Acquire(Folder))
            Assert.Equal(1, Flock("-n", "-E", "1", lockFile, "true"));
        Assert.Equal(0, Flock("-n", "-E", "1", lockFile, "true"));
    }

    [Fact]
    public async Task A_lock_held_by_another_process_refuses_this_run_until_that_process_ends()
    {
        if (OperatingSystem.IsWindows()) return;
        Directory.CreateDirectory(Folder);
        var lockFile = Path.Combine(Folder, OutputLock.FileName);
        // The holder takes the lock, says so, and keeps it until its stdin closes.
        var start = new ProcessStartInfo("flock") { RedirectStandardInput = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-n", lockFile, "sh", "-c", "echo held; cat >/dev/null" }) start.ArgumentList.Add(arg);
        using var holder = Process.Start(start)!;
        Assert.Equal("held", await holder.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));

        var error = Assert.Throws<RunFaultException>(() => OutputLock.Acquire(Folder));
        Assert.Equal("SPT0333", error.Id);

        holder.StandardInput.Close();
        await holder.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        using var after = OutputLock.Acquire(Folder);
    }

    private static int Flock(params string[] args)
    {
        var start = new ProcessStartInfo("flock");
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        process.WaitForExit();
        return process.ExitCode;
    }

    public void Dispose() => _folder.Dispose();
}
