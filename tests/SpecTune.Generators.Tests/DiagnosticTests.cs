using Microsoft.CodeAnalysis;

namespace SpecTune.Generators.Tests;

/// <summary>YAML problems reach the build as diagnostics at the exact line and column of the value.</summary>
public class DiagnosticTests
{
    private static string Shirts => File.ReadAllText(Path.Combine(Harness.RepoRoot(), "examples", "FashionMnistFineTune", "shirts.spectune.yaml"));

    private static (Diagnostic Diagnostic, string Text) Single(string yaml, string id)
    {
        const string path = "/specs/broken.spectune.yaml";
        var (result, _, _) = Harness.Run(Harness.Compilation(), new InMemoryAdditionalText(path, yaml));
        Assert.Empty(Harness.ModelSources(result));
        var diagnostic = Assert.Single(result.Diagnostics, d => d.Id == id);
        Assert.Equal(path, diagnostic.Location.GetLineSpan().Path);
        var span = diagnostic.Location.SourceSpan;
        return (diagnostic, yaml.Substring(span.Start, span.Length));
    }

    /// <summary>1-based (line, column) as a build prints it: `path(line,col)`.</summary>
    private static (int Line, int Column) Position(Diagnostic diagnostic)
    {
        var start = diagnostic.Location.GetLineSpan().StartLinePosition;
        return (start.Line + 1, start.Character + 1);
    }

    private static (int Line, int Column) Find(string yaml, string needle)
    {
        var offset = yaml.IndexOf(needle, StringComparison.Ordinal);
        Assert.True(offset >= 0, needle);
        var before = yaml.Substring(0, offset);
        return (before.Count(c => c == '\n') + 1, offset - (before.LastIndexOf('\n') + 1) + 1);
    }

    [Fact]
    public void Pattern_that_matches_no_parameter_is_SPT0200_at_the_pattern()
    {
        var yaml = Shirts.Replace("\"conv2.*\"", "\"conv9.*\"");
        var (diagnostic, text) = Single(yaml, "SPT0200");

        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal("\"conv9.*\"", text);
        Assert.Equal(Find(yaml, "\"conv9.*\""), Position(diagnostic));
        Assert.Contains("matches no parameter of cnn", diagnostic.GetMessage());
    }

    [Fact]
    public void Parameter_claimed_twice_is_SPT0201_and_a_head_pattern_SPT0202()
    {
        var twice = Shirts.Replace("body: [\"conv2.*\"", "body: [\"conv*\"");
        var (claimed, text) = Single(twice, "SPT0201");
        Assert.Equal("\"conv*\"", text);
        Assert.Contains("'conv1.weight'", claimed.GetMessage());

        var head = Shirts.Replace("stem: [\"conv1.*\", \"bn1.*\"]", "stem: [\"conv1.*\", \"bn1.*\", \"fc.*\"]");
        var (_, headText) = Single(head, "SPT0202");
        Assert.Equal("\"fc.*\"", headText);
    }

    [Fact]
    public void Unknown_key_is_SPT0004_with_a_suggestion_at_the_key()
    {
        var yaml = Shirts.Replace("early-stopping:", "early-stoping:");
        var (diagnostic, text) = Single(yaml, "SPT0004");

        Assert.Equal("early-stoping", text);
        Assert.Equal(Find(yaml, "early-stoping"), Position(diagnostic));
        Assert.Contains("did you mean 'early-stopping'", diagnostic.GetMessage());
    }

    [Fact]
    public void Unknown_group_in_a_phase_is_SPT0105_and_a_rate_for_an_untrained_group_SPT0106()
    {
        var unknown = Shirts.Replace("train: [head, body, stem]", "train: [head, bdy, stem]").Replace("body: 5.0e-4, ", "");
        var (diagnostic, text) = Single(unknown, "SPT0105");
        Assert.Equal("bdy", text);
        Assert.Equal(Find(unknown, "bdy"), Position(diagnostic));

        var untrained = Shirts.Replace("train: [head, body, stem]", "train: [head, stem]");
        var (_, rateText) = Single(untrained, "SPT0106");
        Assert.Equal("5.0e-4", rateText);
    }

    [Fact]
    public void Yaml_syntax_error_is_SPT0001_inside_the_file()
    {
        var yaml = Shirts.Replace("task: binary-classification", "task: [binary-classification");
        var (diagnostic, _) = Single(yaml, "SPT0001");
        var (line, _) = Position(diagnostic);

        Assert.InRange(line, 1, yaml.Split('\n').Length);
    }

    [Fact]
    public void Group_that_becomes_a_generated_member_is_SPT0125()
    {
        var yaml = Shirts.Replace("body:", "train:").Replace("head, body, stem", "head, train, stem").Replace("body: 5.0e-4", "train: 5.0e-4");
        var (diagnostic, text) = Single(yaml, "SPT0125");

        Assert.Equal("train", text);
        Assert.Contains("'Train'", diagnostic.GetMessage());
    }

    [Fact]
    public void Warnings_keep_the_output()
    {
        var yaml = Shirts.Replace("classes: [0, 6]", "classes: [0, 6]\n  split: 0.2");
        var (result, _, _) = Harness.Run(Harness.Compilation(), new InMemoryAdditionalText("/specs/w.spectune.yaml", yaml));

        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal(("SPT0124", DiagnosticSeverity.Warning), (warning.Id, warning.Severity));
        Assert.Single(Harness.ModelSources(result));
    }
}
