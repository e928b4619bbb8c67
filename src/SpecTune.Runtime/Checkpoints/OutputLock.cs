using System.Globalization;
using SpecTune.Faults;
using SpecTune.Spec;

namespace SpecTune.Checkpoints;

/// <summary>
/// An exclusive lock on a run's checkpoint folder, so that a second run of the same spec (or a `--resume`
/// while a run is going) is refused instead of corrupting the first. The lock is the file <see cref="FileName"/>
/// held open with FileShare.None (flock on Unix, a share lock on Windows): disposing releases it, and so does the
/// OS when the process dies, so a crashed run never leaves a stale lock. The file stays; it holds the holder's pid.
/// </summary>
internal sealed class OutputLock : IDisposable
{
    /// <summary>The lock file's name inside the locked folder.</summary>
    public const string FileName = ".spectune.lock";

    private readonly FileStream _file;

    private OutputLock(string folder, FileStream file)
    {
        Folder = folder;
        _file = file;
    }

    /// <summary>The locked folder (full path).</summary>
    public string Folder { get; }

    /// <summary>Locks <paramref name="folder"/> (created when missing), or throws at once when another run holds it.</summary>
    /// <exception cref="RunFaultException">SPT0333: another process (or another lock in this one) holds the folder.</exception>
    public static OutputLock Acquire(string folder, string? specKey = "checkpoints")
    {
        var full = Path.GetFullPath(folder);
        Directory.CreateDirectory(full);
        var path = Path.Combine(full, FileName);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (File.Exists(path))
        {
            throw new RunFaultException(SpecDiagnostics.OutputLocked, full, specKey, e, full, Holder(path));
        }
        // The pid is written to a sidecar: the lock file itself cannot be read by another process while it is held.
        file.SetLength(0);
        var pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        file.Write(System.Text.Encoding.ASCII.GetBytes(pid));
        file.Flush();
        try
        {
            File.WriteAllText(HolderPath(path), pid);
        }
        catch (IOException)
        {
            // Only the message's pid depends on it.
        }
        return new OutputLock(full, file);
    }

    private static string HolderPath(string lockPath) => lockPath + ".pid";

    private static string Holder(string lockPath)
    {
        try
        {
            var pid = File.ReadAllText(HolderPath(lockPath)).Trim();
            return pid.Length > 0 ? "process " + pid : "another process";
        }
        catch (IOException)
        {
            return "another process";
        }
    }

    /// <summary>Releases the lock; the next run may take it.</summary>
    public void Dispose() => _file.Dispose();
}
