using System.Text.RegularExpressions;

namespace SpecTune.Spec.Tests;

public class SpecDiagnosticsCatalogueTests
{
    [Fact]
    public void Ids_are_unique_and_well_formed()
    {
        var ids = SpecDiagnostics.All.Select(d => d.Id).ToList();

        Assert.All(ids, id => Assert.Matches("^SPT[0-9]{4}$", id));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids.OrderBy(id => id, StringComparer.Ordinal), ids);
    }

    [Fact]
    public void All_lists_every_descriptor_property()
    {
        var properties = typeof(SpecDiagnostics).GetProperties()
            .Where(p => p.PropertyType == typeof(SpecDiagnosticDescriptor))
            .Select(p => (SpecDiagnosticDescriptor)p.GetValue(null)!);

        Assert.Equal(properties.Select(d => d.Id).OrderBy(id => id), SpecDiagnostics.All.Select(d => d.Id));
    }

    [Fact]
    public void Every_id_is_documented_with_its_severity()
    {
        var docs = File.ReadAllText(FindRepoFile("docs/diagnostics.md"));

        foreach (var descriptor in SpecDiagnostics.All)
        {
            var heading = new Regex("^## " + descriptor.Id + " ", RegexOptions.Multiline);
            Assert.True(heading.IsMatch(docs), $"{descriptor.Id} has no '## {descriptor.Id} ...' section in docs/diagnostics.md");
            var section = docs.Substring(heading.Match(docs).Index);
            var next = section.IndexOf("\n## ", 1, StringComparison.Ordinal);
            section = next < 0 ? section : section.Substring(0, next);
            Assert.Contains("Severity: " + descriptor.Severity.ToString().ToLowerInvariant(), section);
        }
    }

    private static string FindRepoFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException(relative);
    }
}
