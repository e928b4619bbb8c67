using System.Text;
using System.Text.RegularExpressions;

namespace SpecTune.Spec.Tests;

/// <summary>
/// src/SpecTune.Generators/AnalyzerReleases.Shipped.md and .Unshipped.md (Roslyn's release-tracking format, as Mapperly
/// keeps them) list every id of the catalogue with the generator's category and severity. SPECTUNE_ACCEPT=1 rewrites
/// the unshipped file from the catalogue (ids not yet shipped); shipping a release moves its rows to the shipped file.
/// </summary>
public class AnalyzerReleasesTests
{
    private static readonly string Folder = Path.Combine(GrammarTestsPaths.RepoRoot, "src", "SpecTune.Generators");

    private static string Row(SpecDiagnosticDescriptor d) =>
        d.Id + " | SpecTune." + d.Category + " | " + (d.Severity == SpecSeverity.Info ? "Info" : d.Severity.ToString()) + " | " + d.Title;

    private static List<string> Rows(string file) =>
        File.Exists(file)
            ? File.ReadAllLines(file).Where(l => Regex.IsMatch(l, "^SPT[0-9]{4} \\|")).ToList()
            : new List<string>();

    [Fact]
    public void Release_files_list_every_catalogue_id_once_with_its_category_and_severity()
    {
        var shipped = Rows(Path.Combine(Folder, "AnalyzerReleases.Shipped.md"));
        var shippedIds = shipped.Select(r => r.Substring(0, 7)).ToHashSet(StringComparer.Ordinal);
        var expectedUnshipped = SpecDiagnostics.All.Where(d => !shippedIds.Contains(d.Id)).Select(Row).ToList();
        var unshippedPath = Path.Combine(Folder, "AnalyzerReleases.Unshipped.md");
        if (Environment.GetEnvironmentVariable("SPECTUNE_ACCEPT") == "1") File.WriteAllText(unshippedPath, Unshipped(expectedUnshipped));

        Assert.Equal(expectedUnshipped, Rows(unshippedPath));
        // A shipped id never changes: it is still in the catalogue, with the same row.
        Assert.Empty(shipped.Except(SpecDiagnostics.All.Select(Row)));
    }

    private static string Unshipped(IEnumerable<string> rows)
    {
        var text = new StringBuilder();
        text.Append("; Unshipped analyzer release\n");
        text.Append("; https://github.com/dotnet/roslyn-analyzers/blob/main/src/Microsoft.CodeAnalysis.Analyzers/ReleaseTrackingAnalyzers.Help.md\n");
        text.Append("; Generated from SpecDiagnostics.All (SPECTUNE_ACCEPT=1 dotnet test tests/SpecTune.Spec.Tests); docs/diagnostics.md explains each id.\n\n");
        text.Append("### New Rules\n\n");
        text.Append("Rule ID | Category | Severity | Notes\n");
        text.Append("--------|----------|----------|-------\n");
        foreach (var row in rows) text.Append(row).Append('\n');
        return text.ToString();
    }
}
