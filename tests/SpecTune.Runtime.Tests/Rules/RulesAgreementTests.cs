using SpecTune.Freezing;
using SpecTune.Losses;
using SpecTune.Models;
using SpecTune.Spec;

namespace SpecTune.Tests.Rules;

/// <summary>The checker (compile time) and the runtime apply the same rules from SpecTune.Spec's Rules folder; on main they disagreed on these cases.</summary>
[Collection(GlobalTorchRngCollection.Name)]
public class RulesAgreementTests
{
    private const string Spec = """
        spectune: 1
        name: Agree
        base: { architecture: cnn, input: [1, 8, 8], hidden: [4, 4, 4] }
        groups: { stem: ["conv1.*", "bn1.*"] }
        head: { layers: [ { linear: 1 } ] }
        task: binary-classification
        data: { format: csv, train: t.csv }
        loss: binary-cross-entropy
        optimizer: { adam: { lr: 0.001 } }
        phases:
          - { name: all, epochs: 1, train: [head, stem, base] }
        """;

    private static FineTuneSpec Read(string yaml)
    {
        var result = SpecYamlReader.Read(yaml, "agree.spectune.yaml");
        return result.Spec ?? throw new InvalidOperationException(string.Join("\n", result.Diagnostics));
    }

    private static bool CheckerAccepts(FineTuneSpec spec) => !SpecChecker.Check(spec).Any(d => d.IsError);

    private static bool RuntimeAccepts(FineTuneSpec spec)
    {
        try
        {
            LossFunction.Create(spec.Loss, spec.Task, spec.Head.Layers.LastOrDefault()?.Kind);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [Theory]
    [InlineData(TaskKind.BinaryClassification, LossKind.CrossEntropy, 0.0)] // main: the checker rejected it, LossFunction took it
    [InlineData(TaskKind.BinaryClassification, LossKind.BinaryCrossEntropy, 0.0)]
    [InlineData(TaskKind.MulticlassClassification, LossKind.CrossEntropy, 1.0)] // main: the checker rejected it, LossFunction took it
    [InlineData(TaskKind.MulticlassClassification, LossKind.CrossEntropy, 0.999)]
    [InlineData(TaskKind.MulticlassClassification, LossKind.CrossEntropy, -0.1)]
    [InlineData(TaskKind.Regression, LossKind.Mse, 0.0)]
    [InlineData(TaskKind.Regression, LossKind.CrossEntropy, 0.0)]
    public void Checker_and_loss_factory_agree_on_loss_task_fit_and_label_smoothing(TaskKind task, LossKind loss, double smoothing)
    {
        var spec = Read(Spec) with { Task = task, Loss = new LossSpec(loss, smoothing) };
        Assert.Equal(CheckerAccepts(spec), RuntimeAccepts(spec));
    }

    [Theory]
    [InlineData("stem=conv1.*,bn1.*")]
    [InlineData("stem=conv*", "late=conv*,bn*")] // main: the runtime reported each shared name, the checker one per pattern
    [InlineData("stem=conv1.*,fc.*")]
    [InlineData("stem=nothing.*")]
    public void Checker_and_parameter_groups_report_the_same_problems(params string[] groups)
    {
        var spec = Read(Spec) with
        {
            Groups = groups.Select(g => new GroupSpec(g.Split('=')[0], g.Split('=')[1].Split(',').ToEquatableArray())).ToEquatableArray(),
        };
        var atCompileTime = NetworkChecker.Check(spec).Select(d => d.Id + " " + d.Message).ToList();
        using var network = ModelZoo.Create(spec.Base, spec.Head, spec.Base.Input.ToArray());
        var atRunTime = new List<string>();
        try
        {
            ParameterGroups.Resolve(network, spec);
        }
        catch (SpecException error)
        {
            atRunTime = error.Diagnostics.Select(d => d.Id + " " + d.Message).ToList();
        }
        Assert.Equal(atCompileTime, atRunTime);
    }

    [Fact]
    public void The_zoo_builds_every_catalogued_architecture_with_the_catalogued_names()
    {
        Assert.Same(ArchitectureCatalog.Names, ModelZoo.Architectures);
        var spec = Read(Spec);
        foreach (var architecture in ArchitectureCatalog.Names)
        {
            var baseSpec = spec.Base with { Architecture = architecture, Hidden = EquatableArray<int>.Empty, Input = EquatableArray.Create(3, 32, 32) };
            using var network = ModelZoo.Create(baseSpec, spec.Head, baseSpec.Input.ToArray());
            Assert.Equal(ArchitectureCatalog.HeadSlot, network.HeadSlot);
            Assert.Equal(ArchitectureCatalog.ParameterNames(baseSpec, spec.Head), network.named_parameters().Select(p => p.name));
            // The head's first linear layer takes the catalogue's feature width.
            Assert.Equal(ArchitectureCatalog.FeatureWidth(baseSpec), (int)network.named_parameters().Single(p => p.name == "fc.0.weight").parameter.shape[1]);
        }
    }

    [Fact]
    public void The_planner_resolves_rates_by_the_rule_the_generated_hyperparameters_use()
    {
        var spec = Read(Spec.Replace("  - { name: all, epochs: 1, train: [head, stem, base] }",
            "  - { name: head, epochs: 1, train: [head] }\n  - { name: all, epochs: 1, train: [head, stem, base], lr: 0.01 }\n  - { name: some, epochs: 1, train: [head, stem], lr: { stem: 0.0001 } }"));
        var plans = SpecTune.Training.PhasePlanner.Plan(spec);
        for (int p = 0; p < spec.Phases.Count; p++)
            foreach (var group in spec.Phases[p].Train)
                Assert.Equal(LearningRates.RateOf(spec.Phases[p], spec.Optimizer, group), plans[p].RateOf(group));
    }

    [Theory]
    [InlineData("layer?.0.*", "layer3.0.conv1.weight")]
    [InlineData("*.bias", "fc.0.bias")]
    [InlineData("conv1.*", "layer1.0.conv1.weight")]
    [InlineData("a*b*c", "aXbYbZc")]
    public void Runtime_globs_are_the_checkers_globs(string pattern, string name) =>
        Assert.Equal(Glob.Matches(pattern, name), new GlobPattern(pattern).IsMatch(name));
}
