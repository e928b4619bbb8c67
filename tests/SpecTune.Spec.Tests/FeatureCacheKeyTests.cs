namespace SpecTune.Spec.Tests;

/// <summary>`feature-cache:` at the top level and per phase: read, defaulted, type-checked and hashed.</summary>
public class FeatureCacheKeyTests
{
    [Fact]
    public void Feature_cache_defaults_to_on_and_phases_inherit_it()
    {
        var spec = SpecYamlReader.Read(Samples.Minimal, null).Spec!;

        Assert.True(spec.FeatureCache);
        Assert.Null(spec.Phases[0].FeatureCache);
    }

    [Fact]
    public void Feature_cache_is_read_at_the_top_level_and_per_phase()
    {
        var yaml = Samples.Replace(Samples.Minimal, "  - { name: all, epochs: 1, train: [head] }",
            "  - { name: all, epochs: 1, train: [head], feature-cache: true }") + "feature-cache: false\n";

        var result = SpecYamlReader.Read(yaml, null);

        Assert.Empty(result.Diagnostics);
        Assert.False(result.Spec!.FeatureCache);
        Assert.True(result.Spec.Phases[0].FeatureCache);
        Assert.Equal((11, 16), Samples.Display(result.Spec.Locations.Find("feature-cache")));
    }

    [Fact]
    public void A_feature_cache_value_that_is_not_a_boolean_is_an_error_at_the_value()
    {
        var yaml = Samples.Minimal + "feature-cache: sometimes\n";

        var result = SpecYamlReader.Read(yaml, "cat.yaml");

        Assert.Null(result.Spec);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal((11, 16), Samples.Display(diagnostic.Span));
        Assert.Contains("feature-cache", diagnostic.Message);
    }

    [Fact]
    public void A_misspelled_phase_key_suggests_feature_cache()
    {
        var yaml = Samples.Replace(Samples.Minimal, "train: [head] }", "train: [head], feature-cahce: false }");

        var diagnostic = Assert.Single(SpecYamlReader.Read(yaml, null).Diagnostics);

        Assert.Equal("SPT0004", diagnostic.Id);
        Assert.EndsWith("did you mean 'feature-cache'?", diagnostic.Message);
    }

    [Fact]
    public void Switching_the_cache_off_changes_the_hash_and_the_default_keeps_the_old_one()
    {
        var plain = SpecHash.Compute(SpecYamlReader.Read(Samples.Minimal, null).Spec!);
        var explicitOn = SpecHash.Compute(SpecYamlReader.Read(Samples.Minimal + "feature-cache: true\n", null).Spec!);
        var off = SpecHash.Compute(SpecYamlReader.Read(Samples.Minimal + "feature-cache: false\n", null).Spec!);
        var phaseOff = SpecHash.Compute(SpecYamlReader.Read(Samples.Replace(Samples.Minimal, "train: [head] }",
            "train: [head], feature-cache: false }"), null).Spec!);

        Assert.Equal(plain, explicitOn);
        Assert.NotEqual(plain, off);
        Assert.NotEqual(plain, phaseOff);
        Assert.NotEqual(off, phaseOff);
    }
}
