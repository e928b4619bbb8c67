namespace SpecTune.Spec.Tests;

/// <summary>The one glob rule: wildcards, character classes (fnmatch's rules), whole-name matches.</summary>
public class GlobTests
{
    [Theory]
    [InlineData("encoder.layer.[0-2].*", "encoder.layer.0.attention.self.query.weight", true)]
    [InlineData("encoder.layer.[0-2].*", "encoder.layer.2.output.dense.bias", true)]
    [InlineData("encoder.layer.[0-2].*", "encoder.layer.3.output.dense.bias", false)]
    [InlineData("encoder.layer.[0-2].*", "encoder.layer.10.output.dense.bias", false)]
    [InlineData("encoder.layer.[!0-2].*", "encoder.layer.5.output.dense.bias", true)]
    [InlineData("encoder.layer.[!0-2].*", "encoder.layer.1.output.dense.bias", false)]
    [InlineData("layer[34].*", "layer4.0.conv1.weight", true)]
    [InlineData("layer[34].*", "layer2.0.conv1.weight", false)]
    [InlineData("*.[wb]*", "fc.weight", true)]
    [InlineData("*.[wb]*", "fc.running_mean", false)]
    [InlineData("a[]]b", "a]b", true)]            // a leading ] is a member
    [InlineData("a[!]]b", "a]b", false)]
    [InlineData("layer[1", "layer[1", true)]      // an unclosed [ is a literal
    [InlineData("layer[1", "layer1", false)]
    [InlineData("conv?.weight", "conv1.weight", true)]
    [InlineData("*", "anything.at.all", true)]
    [InlineData("fc.*", "fc", false)]
    public void Matches_whole_names(string pattern, string name, bool expected) => Assert.Equal(expected, Glob.Matches(pattern, name));
}
