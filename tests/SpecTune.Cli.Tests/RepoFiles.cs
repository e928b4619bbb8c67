using System.Runtime.CompilerServices;

namespace SpecTune.Tests;

/// <summary>Files of this repository that tests compare against.</summary>
internal static class RepoFiles
{
    public static string Root { get; } = FindRoot();

    /// <summary>schemas/spectune.schema.json, the one schema every copy must equal.</summary>
    public static string Schema => Path.Combine(Root, "schemas", "spectune.schema.json");

    private static string FindRoot([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", ".."));
}
