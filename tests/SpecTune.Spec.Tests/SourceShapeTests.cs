namespace SpecTune.Spec.Tests;

/// <summary>Files show the architecture: no source file in src/ runs past 300 lines unless its opening comment says why.</summary>
public class SourceShapeTests
{
    private const int Limit = 300;

    [Fact]
    public void No_source_file_is_over_300_lines_without_a_reason()
    {
        var src = Path.Combine(GrammarTestsPaths.RepoRoot, "src");
        var offenders = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") &&
                        !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Select(f => (Path: Path.GetRelativePath(src, f), Lines: File.ReadAllLines(f)))
            .Where(f => f.Lines.Length > Limit && !f.Lines.Take(40).Any(l => l.Contains("Over 300 lines because", StringComparison.Ordinal)))
            .Select(f => $"{f.Path}: {f.Lines.Length} lines")
            .ToList();

        Assert.True(offenders.Count == 0,
            "split these files, or give the reason in their opening comment (\"Over 300 lines because ...\"):\n" + string.Join("\n", offenders));
    }
}
