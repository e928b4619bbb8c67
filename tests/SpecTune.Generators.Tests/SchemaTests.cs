using System.Reflection;
using System.Text.Json;
using SpecTune.Spec;

namespace SpecTune.Generators.Tests;

/// <summary>schemas/spectune.schema.json serves editors; it must know the reader's keys, and pointing a spec at it changes nothing.</summary>
public class SchemaTests
{
    private static readonly string SchemaPath = Path.Combine(Harness.RepoRoot(), "schemas", "spectune.schema.json");

    [Fact]
    public void Schema_top_level_keys_are_the_readers_keys()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(SchemaPath));
        var keys = schema.RootElement.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);
        var readerKeys = (string[])typeof(SpecYamlReader).GetField("RootKeys", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;

        Assert.Equal(readerKeys.Order(StringComparer.Ordinal), keys);
        Assert.False(schema.RootElement.GetProperty("additionalProperties").GetBoolean(), "unknown keys are errors, in the schema too");
    }

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
