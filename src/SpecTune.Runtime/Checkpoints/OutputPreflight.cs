using SpecTune.Spec;

namespace SpecTune.Checkpoints;

/// <summary>
/// Checks, before any training, that a run can write what it will write and run where the spec says: every
/// folder SpecTune writes to exists or can be created and accepts a new file, no path where a file goes is a
/// folder, and a CUDA device has a CUDA backend. A problem is a <see cref="SpecException"/> at the spec key
/// that names the path (SPT0330, SPT0331, SPT0335), so nothing fails only after the last epoch.
/// </summary>
internal static class OutputPreflight
{
    /// <summary>A file the run writes: its full path, the spec key naming it, and what it is (for messages).</summary>
    public readonly record struct Target(string Path, string SpecKey, string What);

    /// <summary>Throws unless <paramref name="spec"/>'s device is usable: a CUDA device needs <paramref name="cudaAvailable"/>.</summary>
    /// <exception cref="SpecException">SPT0335 at `device`.</exception>
    public static void CheckDevice(FineTuneSpec spec, bool cudaAvailable)
    {
        if (spec.Device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) && !cudaAvailable)
            throw new SpecException(new[] { SpecDiagnostics.CudaUnavailable.Create(spec.SourcePath, spec.Locations.Find("device"), spec.Device) });
    }

    /// <summary>The checks for a run that writes checkpoints to <paramref name="checkpointFolder"/> and, when given, the output and the metrics log.</summary>
    /// <exception cref="SpecException">SPT0330 or SPT0331, one diagnostic per problem.</exception>
    public static void CheckRun(FineTuneSpec spec, string checkpointFolder, string? outputPath, string? metricsLogPath)
    {
        var files = new List<Target> { new(new CheckpointStore(checkpointFolder).LatestPath, "checkpoints", "the latest checkpoint") };
        if (outputPath is not null) files.Add(new(outputPath, "output", "the trained weights"));
        if (metricsLogPath is not null) files.Add(new(metricsLogPath, "metrics-log", "the metrics log"));
        CheckPaths(spec, new[] { new Target(checkpointFolder, "checkpoints", "the checkpoint folder") }, files);
    }

    /// <summary>
    /// Throws unless every folder in <paramref name="folders"/> and the folder of every file in <paramref name="files"/>
    /// can be written, and no file target is a folder. Creates missing folders (the run would create them anyway).
    /// </summary>
    /// <exception cref="SpecException">SPT0330 or SPT0331, one diagnostic per problem.</exception>
    public static void CheckPaths(FineTuneSpec spec, IEnumerable<Target> folders, IEnumerable<Target> files)
    {
        var problems = new List<SpecDiagnostic>();
        var checkedFolders = new HashSet<string>(StringComparer.Ordinal);
        SourceSpan At(string key) => spec.Locations.Find(key);

        void CheckFolder(string folder, string key)
        {
            if (!checkedFolders.Add(folder)) return;
            if (WriteProblem(folder) is { } problem)
                problems.Add(SpecDiagnostics.OutputNotWritable.Create(spec.SourcePath, At(key), folder, problem));
        }

        foreach (var folder in folders)
            CheckFolder(Path.GetFullPath(folder.Path), folder.SpecKey);
        foreach (var file in files)
        {
            var full = Path.GetFullPath(file.Path);
            if (Directory.Exists(full))
            {
                problems.Add(SpecDiagnostics.PathIsFolder.Create(spec.SourcePath, At(file.SpecKey), full, file.What));
                continue;
            }
            CheckFolder(Path.GetDirectoryName(full)!, file.SpecKey);
        }
        if (problems.Count > 0)
            throw new SpecException(problems);
    }

    /// <summary>Why <paramref name="folder"/> cannot take a new file, or null when it can (probed with a file deleted on close).</summary>
    private static string? WriteProblem(string folder)
    {
        try
        {
            if (File.Exists(folder))
                return "it is a file, not a folder";
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, $".spectune-write-probe.{Guid.NewGuid():N}.tmp");
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return "permission denied (read-only folder?)";
        }
        catch (IOException e)
        {
            return e.Message;
        }
    }
}
