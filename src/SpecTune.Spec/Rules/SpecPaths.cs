using System.IO;

namespace SpecTune.Spec
{
    /// <summary>
    /// The one rule for a spec's relative paths, used by YAML jobs, generated models, the CLI and the MSBuild task:
    /// they resolve against an explicit base folder when one is given, else the spec file's folder, else the current
    /// directory (a generated model's spec has no file: pass the folder, or run from it).
    /// </summary>
    public static class SpecPaths
    {
        /// <summary>The folder relative paths in <paramref name="spec"/> resolve against (absolute).</summary>
        public static string BaseDirectory(FineTuneSpec spec, string? baseDirectory = null) =>
            Path.GetFullPath(baseDirectory ?? (spec.SourcePath is { } source ? Path.GetDirectoryName(Path.GetFullPath(source))! : "."));

        /// <summary><paramref name="path"/> made absolute against <paramref name="baseDirectory"/>; null stays null.</summary>
        public static string? Resolve(string baseDirectory, string? path) =>
            path is null ? null : Path.GetFullPath(Path.Combine(baseDirectory, path));

        /// <summary>The checkpoint folder: `checkpoints:` when set, else artifacts/&lt;name&gt;/checkpoints.</summary>
        public static string CheckpointFolder(FineTuneSpec spec, string baseDirectory) =>
            Resolve(baseDirectory, spec.Checkpoints) ?? Path.Combine(baseDirectory, "artifacts", spec.Name, "checkpoints");
    }
}
