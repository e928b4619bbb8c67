using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using static SpecTune.Generators.SpecTuneGenerator;

namespace SpecTune.Generators.Tests;

/// <summary>
/// The generator is incremental: an unrelated edit leaves every tracked step Cached or Unchanged, an equivalent
/// YAML edit leaves the emitted source Unchanged, editing one spec re-runs only that spec, and no pipeline value
/// holds a Roslyn object (which would defeat caching and keep compilations alive).
/// </summary>
public class IncrementalityTests
{
    private static readonly string[] TrackedSteps =
    {
        Steps.YamlText, Steps.YamlParse, Steps.AttributeParse,
        Steps.Model + ".Yaml", Steps.Model + ".Attribute", Steps.Diagnostics + ".Yaml", Steps.Diagnostics + ".Attribute", Steps.Clashes,
        Steps.Emit + ".Yaml", Steps.Emit + ".Attribute", Steps.CompilationChecks + ".Yaml", Steps.CompilationChecks + ".Attribute",
        Steps.Skeleton + ".Yaml", Steps.Skeleton + ".Attribute",
    };

    private static GeneratorDriver FirstRun(out Compilation compilation, params AdditionalText[] files)
    {
        compilation = Harness.Compilation(AttributeTwinTests.PretrainTwin, "namespace User { public class Unrelated { public int Value => 1; } }");
        return Harness.Driver(files).RunGenerators(compilation);
    }

    private static Dictionary<string, List<IncrementalStepRunReason>> Reasons(GeneratorDriver driver) =>
        driver.GetRunResult().Results.Single().TrackedSteps
            .Where(kv => TrackedSteps.Contains(kv.Key))
            .ToDictionary(kv => kv.Key, kv => kv.Value.SelectMany(step => step.Outputs).Select(o => o.Reason).ToList());

    [Fact]
    public void Unrelated_edit_leaves_every_tracked_step_cached_or_unchanged()
    {
        var driver = FirstRun(out var compilation, Harness.ExampleSpec("shirts.spectune.yaml"));
        var first = Harness.ModelSources(driver.GetRunResult());

        var unrelated = compilation.SyntaxTrees.Last();
        var edited = compilation.ReplaceSyntaxTree(unrelated,
            CSharpSyntaxTree.ParseText("namespace User { public class Unrelated { public int Value => 2; } }", Harness.ParseOptions, unrelated.FilePath));
        driver = driver.RunGenerators(edited);

        var reasons = Reasons(driver);
        Assert.Equal(TrackedSteps.Order(), reasons.Keys.Order());
        foreach (var (step, list) in reasons)
            Assert.All(list, reason => Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {reason}"));
        Assert.All(driver.GetRunResult().Results.Single().TrackedOutputSteps.SelectMany(kv => kv.Value).SelectMany(s => s.Outputs),
            output => Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
        Assert.Equal(first, Harness.ModelSources(driver.GetRunResult()));
    }

    [Fact]
    public void Equivalent_yaml_edit_leaves_the_output_unchanged()
    {
        var original = Harness.ExampleSpec("shirts.spectune.yaml");
        var driver = FirstRun(out var compilation, original);
        var first = Harness.ModelSources(driver.GetRunResult());

        // A comment and a reflowed list change every later offset (so the parse re-runs) but not the spec's value.
        var text = "# an added comment\n" + original.GetText().ToString().Replace("[head, body, stem]", "[ head,  body, stem ]");
        driver = driver.ReplaceAdditionalText(original, new InMemoryAdditionalText(original.Path, text)).RunGenerators(compilation);

        var reasons = Reasons(driver);
        Assert.Equal(IncrementalStepRunReason.Modified, Assert.Single(reasons[Steps.YamlText]));
        // The parse re-ran on the new text (its name's position moved) but the model it gave is equal, so the source is not re-emitted.
        Assert.Equal(IncrementalStepRunReason.Modified, Assert.Single(reasons[Steps.YamlParse]));
        Assert.Equal(IncrementalStepRunReason.Unchanged, Assert.Single(reasons[Steps.Model + ".Yaml"]));
        Assert.Equal(IncrementalStepRunReason.Cached, Assert.Single(reasons[Steps.Emit + ".Yaml"]));
        Assert.Equal(first, Harness.ModelSources(driver.GetRunResult()));
    }

    [Fact]
    public void Editing_one_spec_reruns_only_that_spec()
    {
        var shirts = Harness.ExampleSpec("shirts.spectune.yaml");
        var tinyPath = Path.Combine(Harness.TestDirectory(), "Specs", "TinyShirts.spectune.yaml");
        var tiny = new InMemoryAdditionalText(tinyPath, File.ReadAllText(tinyPath));
        var driver = FirstRun(out var compilation, shirts, tiny);

        var edited = new InMemoryAdditionalText(shirts.Path, shirts.GetText().ToString().Replace("seed: 42", "seed: 43"));
        driver = driver.ReplaceAdditionalText(shirts, edited).RunGenerators(compilation);

        var steps = driver.GetRunResult().Results.Single().TrackedSteps;
        var parses = steps[Steps.YamlParse].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.Equal(new[] { IncrementalStepRunReason.Modified, IncrementalStepRunReason.Cached }, parses);
        Assert.Contains("Seed: 43", Harness.ModelSources(driver.GetRunResult())["SpecTune.Examples.ShirtClassifier.g.cs"]);
    }

    [Fact]
    public void Two_specs_of_one_class_are_reported_at_both_names_and_neither_is_emitted()
    {
        // FirstRun's compilation holds the attribute twin of pretrain.spectune.yaml: the same class twice.
        var driver = FirstRun(out _, Harness.ExampleSpec("pretrain.spectune.yaml"), Harness.ExampleSpec("shirts.spectune.yaml"));
        var result = driver.GetRunResult();

        Assert.Null(result.Results.Single().Exception);
        var clashes = result.Diagnostics.Where(d => d.Id == "SPT0125").ToList();
        Assert.Equal(2, clashes.Count);
        Assert.Contains(clashes, d => d.Location.GetLineSpan().Path.EndsWith("pretrain.spectune.yaml", StringComparison.Ordinal));
        Assert.Contains(clashes, d => d.Location.GetLineSpan().Path == "/src/User0.cs");
        Assert.Equal(new[] { "SpecTune.Examples.ShirtClassifier.g.cs" }, Harness.ModelSources(result).Keys);
    }

    [Fact]
    public void Pipeline_values_hold_no_roslyn_objects()
    {
        var driver = FirstRun(out _, Harness.ExampleSpec("shirts.spectune.yaml"),
            new InMemoryAdditionalText("/specs/broken.spectune.yaml", "spectune: 1\nname: 3\n"));
        var steps = driver.GetRunResult().Results.Single().TrackedSteps;

        int walked = 0;
        foreach (var step in TrackedSteps)
            foreach (var output in steps[step].SelectMany(s => s.Outputs))
                walked += Walk(output.Value, step, new HashSet<object>(ReferenceEqualityComparer.Instance));
        Assert.True(walked > 100, $"the walker visited only {walked} objects; it is not reaching into the values");
    }

    /// <summary>Visits every object reachable through fields; fails on a Compilation, ISymbol, SyntaxNode, SyntaxTree or SemanticModel.</summary>
    private static int Walk(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return 1;
        Assert.False(value is Compilation or ISymbol or SyntaxNode or SyntaxTree or SemanticModel or Location,
            $"{path} holds a {value.GetType().FullName}");
        if (!value.GetType().IsValueType && !seen.Add(value)) return 0;
        int count = 1;
        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (var item in items) count += Walk(item, $"{path}[{i++}]", seen);
        }
        for (var type = value.GetType(); type is not null && type != typeof(object); type = type.BaseType)
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                count += Walk(field.GetValue(value), path + "." + field.Name, seen);
        return count;
    }
}
