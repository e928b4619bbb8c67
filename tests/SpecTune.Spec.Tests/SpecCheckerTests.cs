namespace SpecTune.Spec.Tests;

/// <summary>The checker on specs built in code, as the attribute front end builds them (no source map).</summary>
public class SpecCheckerTests
{
    private static readonly FineTuneSpec Valid = SpecYamlReader.Read(Samples.Full, null).Spec!
        with { Locations = SourceMap.Empty };

    [Fact]
    public void A_sound_spec_has_no_diagnostics()
    {
        Assert.Empty(SpecChecker.Check(Valid));
    }

    [Fact]
    public void Duplicate_group_names_are_reported()
    {
        var spec = Valid with { Groups = Valid.Groups.Append(new GroupSpec("top", EquatableArray.Create("fc.*"))).ToEquatableArray() };

        var diagnostic = Assert.Single(SpecChecker.Check(spec));

        Assert.Equal("SPT0101", diagnostic.Id);
        Assert.Equal("Group 'top' is declared more than once", diagnostic.Message);
        Assert.Equal(SourceSpan.None, diagnostic.Span);
    }

    [Fact]
    public void A_phase_may_train_head_without_declaring_it()
    {
        var spec = Valid with { Groups = EquatableArray<GroupSpec>.Empty, Phases = EquatableArray.Create(Valid.Phases[0]) };

        Assert.Empty(SpecChecker.Check(spec));
    }

    [Fact]
    public void Multiclass_needs_cross_entropy_and_binary_needs_one_output()
    {
        var multiclass = Valid with { Task = TaskKind.MulticlassClassification };
        Assert.Equal(new[] { "SPT0110" }, SpecChecker.Check(multiclass).Select(d => d.Id));
        Assert.Contains("use 'cross-entropy'", SpecChecker.Check(multiclass)[0].Message);

        var noLinear = Valid with { Head = new HeadSpec("fc", EquatableArray.Create(new HeadLayerSpec(HeadLayerKind.Sigmoid, null, null))) };
        Assert.Equal(new[] { "SPT0112" }, SpecChecker.Check(noLinear).Select(d => d.Id));
    }

    [Fact]
    public void Phase_wide_rate_must_be_positive()
    {
        var phase = Valid.Phases[0] with { LearningRates = EquatableArray.Create(new GroupRate(null, 0)) };
        var spec = Valid with { Phases = EquatableArray.Create(phase) };

        var diagnostic = Assert.Single(SpecChecker.Check(spec));

        Assert.Equal("'phases[0].lr' must be greater than 0, but is 0", diagnostic.Message);
    }

    [Theory]
    [InlineData("val-loss", true)]
    [InlineData("train-accuracy", true)]
    [InlineData("val-f1", true)]
    [InlineData("val_loss", false)]
    [InlineData("test-loss", false)]
    [InlineData("val-auc", false)]
    public void Monitor_must_name_a_split_and_a_metric(string monitor, bool valid)
    {
        var spec = Valid with { EarlyStopping = Valid.EarlyStopping! with { Monitor = monitor } };

        Assert.Equal(valid, !SpecChecker.Check(spec).Any(d => d.Id == "SPT0116"));
    }

    [Fact]
    public void Invalid_monitor_suggests_the_nearest()
    {
        var spec = Valid with { EarlyStopping = Valid.EarlyStopping! with { Monitor = "val_loss" } };

        Assert.EndsWith("— did you mean 'val-loss'?", Assert.Single(SpecChecker.Check(spec)).Message);
    }
}
