using SpecTune.Spec;

namespace SpecTune.Generators.Tests;

/// <summary>schemas/spectune.schema.json serves editors (SpecTune.Spec.Tests.GrammarTests holds it to the grammar); pointing a spec at it changes nothing.</summary>
public class SchemaTests
{
    private static readonly string SchemaPath = Path.Combine(Harness.RepoRoot(), "schemas", "spectune.schema.json");

    [Theory]
    [MemberData(nameof(SnapshotTests.ExampleSpecs), MemberType = typeof(SnapshotTests))]
    public void Example_points_at_the_schema_and_the_comment_changes_neither_hash_nor_code(string relativePath)
    {
        var path = Path.Combine(Harness.RepoRoot(), relativePath);
        var text = File.ReadAllText(path);
        const string prefix = "# yaml-language-server: $schema=";
        var first = text.Split('\n')[0];
        Assert.StartsWith(prefix, first);
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(path)!, first.Substring(prefix.Length).Trim())), "the $schema path resolves from the spec's folder");

        var without = text.Substring(first.Length + 1);
        var with = SpecYamlReader.Read(text, path).Spec!;
        Assert.Equal(SpecHash.Compute(with), SpecHash.Compute(SpecYamlReader.Read(without, path).Spec!));
        var (a, _, _) = Harness.Run(Harness.Compilation(), new InMemoryAdditionalText(path, text));
        var (b, _, _) = Harness.Run(Harness.Compilation(), new InMemoryAdditionalText(path, without));
        Assert.Equal(Harness.ModelSources(a), Harness.ModelSources(b));
    }
}
