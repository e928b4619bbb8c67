namespace SpecTune.Spec.Tests;

/// <summary>Legal but unbuildable sizes (issue 16 item 4) and names that would not compile (item 6) are errors at the value.</summary>
public class SizeAndNameTests
{
    private static SpecDiagnostic Only(string yaml, string id)
    {
        var result = SpecYamlReader.Read(yaml, "sizes.spectune.yaml");
        Assert.Null(result.Spec);
        return Assert.Single(result.Diagnostics, d => d.Id == id);
    }

    [Theory]
    [InlineData("input: [2147483647, 8, 8]")]
    [InlineData("input: [65536, 65536]")]
    public void A_sample_too_large_to_hold_is_SPT0150_at_the_input(string input)
    {
        var yaml = Samples.Replace(Samples.Minimal, "input: [784]", input);

        var diagnostic = Only(yaml, "SPT0150");

        Assert.Equal(Samples.Position(yaml, input.Substring(7)), Samples.Display(diagnostic.Span));
    }

    [Fact]
    public void A_head_too_wide_to_build_is_SPT0151_at_the_layer()
    {
        var yaml = Samples.Replace(Samples.Minimal, "layers: [{linear: 10}]", "layers: [{linear: 2147483647}]");

        var diagnostic = Only(yaml, "SPT0151");

        Assert.Equal(Samples.Position(yaml, "{linear: 2147483647}"), Samples.Display(diagnostic.Span));
    }

    [Fact]
    public void A_base_too_wide_to_build_is_SPT0151_at_hidden()
    {
        var yaml = Samples.Replace(Samples.Minimal, "input: [784]", "input: [784], hidden: [100000, 100000]");

        var diagnostic = Only(yaml, "SPT0151");

        Assert.Equal(Samples.Position(yaml, "[100000, 100000]"), Samples.Display(diagnostic.Span));
    }

    [Fact]
    public void Ordinary_sizes_pass()
    {
        Assert.Empty(SpecYamlReader.Read(Samples.Full, null).Diagnostics);
        Assert.Empty(SpecYamlReader.Read(Samples.Replace(Samples.Minimal, "input: [784]", "input: [3, 512, 512]"), null).Diagnostics);
    }

    [Theory]
    [InlineData("file")]
    [InlineData("required")]
    [InlineData("scoped")]
    [InlineData("record")]
    [InlineData("var")]
    public void A_contextual_keyword_as_the_class_name_is_SPT0100(string name)
    {
        var yaml = Samples.Replace(Samples.Minimal, "name: Digits", "name: " + name);

        var diagnostic = Only(yaml, "SPT0100");

        Assert.Equal((2, 7), Samples.Display(diagnostic.Span));
    }

    [Fact]
    public void Global_as_a_namespace_part_is_SPT0100()
    {
        var yaml = Samples.Replace(Samples.Minimal, "name: Digits", "name: Digits\nnamespace: global.Models");

        Only(yaml, "SPT0100");
    }
}
