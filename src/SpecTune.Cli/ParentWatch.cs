using System.Globalization;
using System.Runtime.InteropServices;

namespace SpecTune.Cli;

/// <summary>
/// Ties the CLI's lifetime to the process that started it, when that process asks for it by setting
/// <see cref="VariableName"/> to its pid (the build task does): once that parent is gone (killed with
/// `kill -9`, say), the run is cancelled as on SIGTERM — a checkpoint is saved and the process exits — instead of
/// training on as an orphan. Polls twice a second; on Linux and macOS the parent is gone when the process is
/// re-parented (getppid changes), elsewhere when the pid no longer names a live process.
/// </summary>
internal sealed class ParentWatch : IDisposable
{
    /// <summary>The environment variable that names the parent's pid.</summary>
    public const string VariableName = "SPECTUNE_PARENT_PID";

    private readonly Timer _timer;

    private ParentWatch(int parentPid, Action parentGone)
    {
        bool direct = !OperatingSystem.IsWindows() && getppid() == parentPid;
        _timer = new Timer(_ =>
        {
            if (IsAlive(parentPid, direct)) return;
            _timer!.Dispose();
            parentGone();
        }, null, TimeSpan.Zero, TimeSpan.FromMilliseconds(500));
    }

    /// <summary>A watch of the parent named in the environment, or null when none is named.</summary>
    public static ParentWatch? FromEnvironment(Action parentGone) =>
        int.TryParse(Environment.GetEnvironmentVariable(VariableName), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0
            ? new ParentWatch(pid, parentGone)
            : null;

    private static bool IsAlive(int pid, bool direct)
    {
        if (direct) return getppid() == pid;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [DllImport("libc")]
    private static extern int getppid();

    public void Dispose() => _timer.Dispose();
}
