namespace SpecTune.Spec.Tests;

/// <summary>
/// Hostile and careless YAML (issue 16 items 1-3, 8-10; issue 15 item 8): the reader never crashes or stalls, rejects what a
/// spec never needs before YamlDotNet's representation model sees it, and places every error at a line and column.
/// </summary>
public class HostileYamlTests
{
    private static SpecDiagnostic Only(string yaml, string id)
    {
        var result = SpecYamlReader.Read(yaml, "hostile.spectune.yaml");
        Assert.Null(result.Spec);
        return Assert.Single(result.Diagnostics, d => d.Id == id);
    }

    [Fact]
    public void A_self_referencing_alias_as_a_key_is_rejected_at_the_alias_instead_of_overflowing_the_stack()
    {
        const string yaml = "spectune: 1\n? &r [*r]\n: 1\n";

        var result = SpecYamlReader.Read(yaml, "hostile.spectune.yaml");

        Assert.Null(result.Spec);
        Assert.Contains(result.Diagnostics, d => d.Id == "SPT0023" && Samples.Display(d.Span) == (2, 3));
        var recursive = Assert.Single(result.Diagnostics, d => d.Id == "SPT0021");
        Assert.Equal(Samples.Position(yaml, "*r"), Samples.Display(recursive.Span));
        Assert.Contains("hostile.spectune.yaml(2,", recursive.ToString());
    }

    [Fact]
    public void A_recursive_alias_as_a_value_is_rejected()
    {
        var yaml = Samples.Minimal + "groups: &g { top: [*g] }\n";

        var diagnostic = Only(yaml, "SPT0021");

        Assert.Equal(Samples.Position(yaml, "*g"), Samples.Display(diagnostic.Span));
    }

    [Fact]
    public void An_anchor_defined_again_names_the_later_node_so_the_alias_is_not_recursive()
    {
        var yaml = Samples.Minimal + "extra: &a [ &a 1, *a ]\n";

        var result = SpecYamlReader.Read(yaml, null);

        Assert.DoesNotContain(result.Diagnostics, d => d.Id == "SPT0021");
        Assert.Contains(result.Diagnostics, d => d.Id == "SPT0004");
    }

    private static string Bomb(string use)
    {
        var text = new System.Text.StringBuilder("spectune: 1\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int i = 1; i <= 9; i++)
            text.Append("l").Append(i).Append(": &l").Append(i).Append(" [")
                .Append(string.Join(", ", Enumerable.Repeat("*l" + (i - 1), 9))).Append("]\n");
        return text + use;
    }

    [Fact]
    public void A_billion_laughs_bomb_as_a_key_is_rejected_as_complex_and_oversized()
    {
        var yaml = Bomb("? *l9\n: 1\n");

        var result = SpecYamlReader.Read(yaml, "hostile.spectune.yaml");

        Assert.Null(result.Spec);
        var expansion = Assert.Single(result.Diagnostics, d => d.Id == "SPT0024");
        // Reported where the expansion passes the bound, long before the last line.
        Assert.True(expansion.Span.StartLine < 6, expansion.ToString());
        Assert.Contains(result.Diagnostics, d => d.Id == "SPT0023" && d.Span.StartLine == 11);
    }

    [Fact]
    public void A_billion_laughs_bomb_as_a_value_is_rejected()
    {
        var yaml = Bomb("name: *l9\n");

        Assert.Contains(SpecYamlReader.Read(yaml, null).Diagnostics, d => d.Id == "SPT0024");
    }

    [Theory]
    [InlineData("lr: { head: &fast 1.0e-4, top: *fast, body: 1.0e-5 }", "top", 1e-4)] // shared values within the bound still read
    [InlineData("lr: { head: &small 1.0e-3, top: 1.0e-4, body: *small }", "body", 1e-3)] // an anchor on a scalar inside a flow mapping
    public void Aliased_scalars_read_as_their_anchors_value(string rates, string group, double expected)
    {
        var yaml = Samples.Replace(Samples.Full, "lr: { head: 1.0e-4, top: 1.0e-4, body: 1.0e-5 }", rates);

        var result = SpecYamlReader.Read(yaml, null);

        Assert.Empty(result.Diagnostics);
        Assert.Equal(expected, result.Spec!.Phases[1].LearningRates.Single(r => r.Group == group).LearningRate);
        Assert.Equal(expected, result.Spec.Phases[1].LearningRates.Single(r => r.Group == "head").LearningRate);
    }

    [Fact]
    public void A_list_or_mapping_as_a_key_is_rejected_at_the_key()
    {
        var yaml = Samples.Minimal + "? [a, b]\n: 1\n";

        var diagnostic = Only(yaml, "SPT0023");

        Assert.Equal(Samples.Position(yaml, "[a, b]"), Samples.Display(diagnostic.Span));
        Assert.Contains("a list", diagnostic.Message);
    }

    [Fact]
    public void Nesting_deeper_than_the_bound_is_rejected()
    {
        var yaml = "spectune: 1\nname: " + new string('[', 200) + new string(']', 200) + "\n";

        var diagnostic = Only(yaml, "SPT0025");

        Assert.Equal(2, Samples.Display(diagnostic.Span).Line);
    }

    [Fact]
    public void An_undefined_alias_is_located_at_the_alias()
    {
        var yaml = Samples.Replace(Samples.Minimal, "name: Digits", "name: *digits");

        var diagnostic = Only(yaml, "SPT0022");

        Assert.Equal((2, 7), Samples.Display(diagnostic.Span));
        Assert.StartsWith("hostile.spectune.yaml(2,7): error SPT0022", diagnostic.ToString());
    }

    [Fact]
    public void A_tab_in_the_indentation_is_located_at_the_tab()
    {
        var yaml = "spectune: 1\nname: X\nbase:\n\tarchitecture: cnn\n";

        var diagnostic = Only(yaml, "SPT0001");

        Assert.Equal((4, 1), Samples.Display(diagnostic.Span));
        Assert.Contains("tab", diagnostic.Message);
        Assert.StartsWith("hostile.spectune.yaml(4,1): error SPT0001", diagnostic.ToString());
    }

    [Fact]
    public void An_unclosed_flow_list_says_what_is_open_in_user_terms()
    {
        var yaml = Samples.Replace(Samples.Full, "  input: [3, 224, 224]", "  input: [3, 224, 224");

        var diagnostic = Only(yaml, "SPT0001");

        Assert.Equal((7, 17), Samples.Display(diagnostic.Span));
        Assert.DoesNotContain("Operation is not valid", diagnostic.Message);
        Assert.DoesNotContain("state of the object", diagnostic.Message);
        Assert.Contains("'[' opened at line 7, column 10 is not closed", diagnostic.Message);
    }

    [Fact]
    public void An_empty_file_is_located_at_line_1_column_1()
    {
        var diagnostic = Only("", "SPT0002");

        Assert.StartsWith("hostile.spectune.yaml(1,1): error SPT0002", diagnostic.ToString());
    }

    [Theory]
    [InlineData("  weights: !!binary aGVsbG8=\n", "!!binary")]
    [InlineData("  weights: !Shirt models/a.safetensors\n", "!Shirt")]
    [InlineData("  weights: !<tag:example.com,2000:x> a\n", "tag:example.com,2000:x")]
    public void Tags_outside_the_core_schema_are_errors_at_the_tag(string line, string tag)
    {
        var yaml = Samples.Replace(Samples.Full, "  weights: models/resnet18.safetensors\n", line);

        var diagnostic = Only(yaml, "SPT0026");

        Assert.Equal(6, Samples.Display(diagnostic.Span).Line);
        Assert.Contains("'" + tag + "'", diagnostic.Message);
    }

    [Fact]
    public void Core_schema_tags_are_accepted()
    {
        var yaml = Samples.Replace(Samples.Full, "  weights: models/resnet18.safetensors\n", "  weights: !!str models/resnet18.safetensors\n");

        var result = SpecYamlReader.Read(yaml, null);

        Assert.Empty(result.Diagnostics);
        Assert.Equal("models/resnet18.safetensors", result.Spec!.Base.Weights);
    }

    [Fact]
    public void A_file_over_the_size_limit_is_SPT0020_at_the_start()
    {
        var yaml = Samples.Minimal + "# " + new string('x', 1 << 20) + "\n";

        var diagnostic = Only(yaml, "SPT0020");

        Assert.Equal((1, 1), Samples.Display(diagnostic.Span));
    }

    [Fact]
    public void Diagnostics_are_capped_per_spec_with_a_final_count()
    {
        var metrics = string.Join(", ", Enumerable.Range(0, 5000).Select(i => "acuracy"));
        var yaml = Samples.Minimal + "metrics: [" + metrics + "]\n";

        var result = SpecYamlReader.Read(yaml, null);

        Assert.Equal(DiagnosticLimit.MaxPerSpec + 1, result.Diagnostics.Count);
        var last = result.Diagnostics[result.Diagnostics.Count - 1];
        Assert.Equal("SPT0027", last.Id);
        Assert.True(last.IsError);
        Assert.StartsWith("4,900 more diagnostics", last.Message);
    }

    [Fact]
    public void Two_very_long_names_get_no_suggestion_and_no_distance_matrix()
    {
        // An unknown group is compared with the declared ones; two 100,000-letter names once needed a 10^10-cell matrix.
        // (An explicit '?' key: YAML limits implicit keys to 1024 characters.)
        var declared = new string('a', 100_000);
        var misspelt = new string('a', 99_999) + "b";
        var yaml = Samples.Replace(Samples.Minimal, "phases:\n  - { name: all, epochs: 1, train: [head] }",
            "groups:\n  ? " + declared + "\n  : [\"layers.*\"]\nphases:\n  - { name: all, epochs: 1, train: [head, " + misspelt + "] }");
        long before = GC.GetAllocatedBytesForCurrentThread();

        var diagnostic = Only(yaml, "SPT0105");

        Assert.DoesNotContain("did you mean", diagnostic.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 200_000_000, "the reader allocated a distance matrix");
    }
}
