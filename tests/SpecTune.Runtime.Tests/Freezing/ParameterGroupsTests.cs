using SpecTune.Freezing;
using SpecTune.Spec;

namespace SpecTune.Tests.Freezing;

[Collection(GlobalTorchRngCollection.Name)]
public class ParameterGroupsTests
{
    [Theory]
    [InlineData("conv1.*", "conv1.weight", true)]
    [InlineData("conv1.*", "layer1.0.conv1.weight", false)]
    [InlineData("layer4.*", "layer4.1.bn2.bias", true)]
    [InlineData("layer?.0.*", "layer3.0.conv1.weight", true)]
    [InlineData("*.bias", "fc.0.bias", true)]
    [InlineData("bn1.weight", "bn1.weight", true)]
    [InlineData("bn1.weight", "bn1.weights", false)]
    public void Globs_match_whole_parameter_names(string pattern, string name, bool matches) =>
        Assert.Equal(matches, new GlobPattern(pattern).IsMatch(name));

    [Fact]
    public void Every_parameter_lands_in_exactly_one_group_with_unclaimed_ones_in_base()
    {
        using var ws = TestWorkspace.WithBinaryData(train: 16, valid: 16);
        var yaml = Specs.BinaryCnn().Replace("""  body: ["conv2.*", "bn2.*", "conv3.*", "bn3.*"]""", """  body: ["conv2.*", "bn2.*"]""")
            .Replace("train: [head, body, stem]", "train: [head, body, stem, base]")
            .Replace("lr: { head: 1.0e-3, body: 1.0e-3, stem: 1.0e-4 }", "lr: { head: 1.0e-3, body: 1.0e-3, stem: 1.0e-4, base: 1.0e-4 }");
        using var job = FineTuneJob.FromYamlFile(ws.WriteSpec("tiny.spectune.yaml", yaml));

        Assert.Equal(new[] { "stem", "body", "base", "head" }, job.Groups.All.Select(g => g.Name));
        Assert.Equal(new[] { "conv3.weight", "bn3.weight", "bn3.bias" }, job.Groups["base"].Parameters.Select(p => p.Key));
        var all = job.Groups.All.SelectMany(g => g.Parameters.Select(p => p.Key)).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.Equal(job.Network.named_parameters().Count(), all.Count);
    }

    [Fact]
    public void A_misspelled_pattern_is_an_error_at_its_line_even_when_another_pattern_matches()
    {
        using var ws = TestWorkspace.WithBinaryData(train: 16, valid: 16);
        var yaml = Specs.BinaryCnn().Replace("""  stem: ["conv1.*", "bn1.*"]""", """  stem: ["conv1.*", "bnl.*"]""");
        var path = ws.WriteSpec("tiny.spectune.yaml", yaml);
        var error = Assert.Throws<SpecException>(() => FineTuneJob.FromYamlFile(path));
        var diagnostic = Assert.Single(error.Diagnostics);
        Assert.Equal("SPT0200", diagnostic.Id);
        Assert.Contains("'bnl.*'", diagnostic.Message);
        int line = yaml.Split('\n').ToList().FindIndex(l => l.Contains("bnl.*"));
        Assert.Equal(line, diagnostic.Span.StartLine);
        Assert.Equal(yaml.Split('\n')[line].IndexOf("\"bnl.*\"", StringComparison.Ordinal), diagnostic.Span.StartColumn);
        Assert.StartsWith(path + "(", diagnostic.ToString());
    }

    [Fact]
    public void Overlapping_groups_and_patterns_reaching_into_the_head_are_errors()
    {
        using var ws = TestWorkspace.WithBinaryData(train: 16, valid: 16);
        var yaml = Specs.BinaryCnn().Replace("""  stem: ["conv1.*", "bn1.*"]""", """  stem: ["conv1.*", "bn1.*", "conv2.weight", "fc.*"]""");
        var error = Assert.Throws<SpecException>(() => FineTuneJob.FromYamlFile(ws.WriteSpec("tiny.spectune.yaml", yaml)));
        Assert.Contains(error.Diagnostics, d => d.Id == "SPT0201" && d.Message.Contains("'conv2.weight'"));
        Assert.Contains(error.Diagnostics, d => d.Id == "SPT0202" && d.Message.Contains("fc.0.weight"));
    }

    [Fact]
    public void Groups_without_a_spec_take_globs_in_order_with_the_head_slot_in_head_and_the_rest_in_base()
    {
        using var network = new global::SpecTune.Models.Mlp(4, [8, 8], TorchSharp.torch.nn.Linear(8, 2));
        var groups = ParameterGroups.Create(network, ("first", "layers.0.*"), ("weights", "*.weight"));

        Assert.Equal(new[] { "first", "weights", "base", "head" }, groups.All.Select(g => g.Name));
        Assert.Equal(new[] { "layers.0.weight", "layers.0.bias" }, groups["first"].Parameters.Select(p => p.Key));
        Assert.Equal(new[] { "layers.2.weight" }, groups["weights"].Parameters.Select(p => p.Key));
        Assert.Equal(new[] { "layers.2.bias" }, groups["base"].Parameters.Select(p => p.Key));
        Assert.Equal(new[] { "fc.weight", "fc.bias" }, groups["head"].Parameters.Select(p => p.Key));
    }

    [Fact]
    public void A_character_class_claims_a_range_of_layers()
    {
        using var network = new global::SpecTune.Models.Mlp(4, [8, 8, 8], TorchSharp.torch.nn.Linear(8, 2));
        var groups = ParameterGroups.Create(network, ("lower", "layers.[0-2].*"), ("upper", "layers.[!0-2].weight"));

        Assert.Equal(new[] { "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias" }, groups["lower"].Parameters.Select(p => p.Key));
        Assert.Equal(new[] { "layers.4.weight" }, groups["upper"].Parameters.Select(p => p.Key));
    }

    [Theory]
    [InlineData("head", "layers.0.*", "reserved")]
    [InlineData("base", "layers.0.*", "reserved")]
    [InlineData("none", "encoder.*", "claims no parameter")]
    [InlineData("heads", "fc.*", "claims no parameter")]
    public void Groups_without_a_spec_reject_reserved_names_and_globs_that_claim_nothing(string name, string glob, string expected)
    {
        using var network = new global::SpecTune.Models.Mlp(4, [8], TorchSharp.torch.nn.Linear(8, 2));
        var error = Assert.Throws<ArgumentException>(() => ParameterGroups.Create(network, (name, glob)));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{name}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Groups_without_a_spec_reject_a_name_given_twice()
    {
        using var network = new global::SpecTune.Models.Mlp(4, [8], TorchSharp.torch.nn.Linear(8, 2));
        var error = Assert.Throws<ArgumentException>(() => ParameterGroups.Create(network, ("a", "layers.0.weight"), ("a", "layers.0.bias")));
        Assert.Contains("'a' is given twice", error.Message, StringComparison.Ordinal);
    }
}
