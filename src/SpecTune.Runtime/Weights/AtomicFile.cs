using SpecTune.Faults;
using SpecTune.Spec;

namespace SpecTune.Weights;

/// <summary>
/// Replaces a file all at once: the content goes to a temporary file in the same folder (so the
/// rename stays on one file system and is atomic), is flushed to disk, and is then renamed over
/// the target. A failure at any point deletes the temporary file and leaves the target as it was; an IO
/// failure (disk full, read-only folder) is reported as SPT0332 naming the target.
/// </summary>
internal static class AtomicFile
{
    /// <summary>The temporary files of <paramref name="targetPath"/> match this pattern in its folder.</summary>
    internal static string TempPattern(string targetPath) => $".{Path.GetFileName(targetPath)}.*.tmp";

    /// <exception cref="RunFaultException">SPT0332: creating, writing, flushing or renaming failed with an IO error.</exception>
    internal static void Write(string path, Action<Stream> write)
    {
        var target = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(target)
            ?? throw new ArgumentException($"'{path}' names no file in a folder.", nameof(path));
        var temp = Path.Combine(folder, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                write(stream);
                // Durable content before the rename: otherwise a power loss after the rename could
                // leave the new name pointing at data that never reached the disk.
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, target, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new RunFaultException(SpecDiagnostics.WriteFailed, target, null, e, target, e.Message);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The original failure is the one to report; a leftover temp file is only clutter.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
