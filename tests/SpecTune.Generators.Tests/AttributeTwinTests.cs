namespace SpecTune.Generators.Tests;

/// <summary>A YAML spec and its attribute twin are one spec: they must generate identical code.</summary>
public class AttributeTwinTests
{
    /// <summary>The twin of examples/FashionMnistFineTune/shirts.spectune.yaml, value for value.</summary>
    public const string ShirtsTwin = """
        using SpecTune;

        namespace SpecTune.Examples;

        [FineTune("cnn", Weights = "artifacts/cnn-fashion8.safetensors", Input = new[] { 1, 28, 28 },
            Task = "binary-classification", Loss = "binary-cross-entropy",
            Metrics = new[] { "accuracy", "f1", "per-class-accuracy", "confusion-matrix" },
            Seed = 42, Output = "artifacts/shirt-classifier.safetensors", MetricsLog = "artifacts/shirts.metrics.jsonl")]
        [Group("stem", "conv1.*", "bn1.*")]
        [Group("body", "conv2.*", "bn2.*", "conv3.*", "bn3.*")]
        [Head("linear:1", "sigmoid")]
        [Data("idx", "../data/fashion-mnist/shirts-train-images-idx3-ubyte.gz",
            TrainLabels = "../data/fashion-mnist/shirts-train-labels-idx1-ubyte.gz",
            Valid = "../data/fashion-mnist/shirts-valid-images-idx3-ubyte.gz",
            ValidLabels = "../data/fashion-mnist/shirts-valid-labels-idx1-ubyte.gz",
            Classes = new[] { 0, 6 }, BatchSize = 32)]
        [Optimizer("adam", 1.0e-2)]
        [Phase("head-only", 8, "head")]
        [Phase("unfreeze", 10, "head", "body", "stem", Schedule = "cosine", WarmupRatio = 0.1)]
        [LearningRate("unfreeze", "head", 1.0e-3)]
        [LearningRate("unfreeze", "body", 5.0e-4)]
        [LearningRate("unfreeze", "stem", 1.0e-4)]
        [EarlyStopping(Monitor = "val-loss", Patience = 3, RestoreBest = true)]
        public partial class ShirtClassifier
        {
        }
        """;

    /// <summary>The twin of examples/FashionMnistFineTune/pretrain.spectune.yaml.</summary>
    public const string PretrainTwin = """
        namespace SpecTune.Examples
        {
            [SpecTune.FineTune("cnn", Input = [1, 28, 28], Task = "multiclass-classification", Loss = "cross-entropy",
                Metrics = ["accuracy"], Seed = 7, Output = "artifacts/cnn-fashion8.safetensors", MetricsLog = "artifacts/pretrain.metrics.jsonl")]
            [SpecTune.Head("linear:8")]
            [SpecTune.Data("idx", "../data/fashion-mnist/pretrain-images-idx3-ubyte.gz", TrainLabels = "../data/fashion-mnist/pretrain-labels-idx1-ubyte.gz",
                Split = 0.1, Classes = [1, 2, 3, 4, 5, 7, 8, 9], BatchSize = 64)]
            [SpecTune.Optimizer("adam", 2.0e-3)]
            [SpecTune.Phase("pretrain", 6, "head", "base", Schedule = "one-cycle")]
            public partial class FashionPretrain;
        }
        """;

    [Theory]
    [InlineData("shirts.spectune.yaml", ShirtsTwin)]
    [InlineData("pretrain.spectune.yaml", PretrainTwin)]
    public void Attribute_twin_generates_the_same_code_as_the_yaml_spec(string yamlFile, string twin)
    {
        var (fromYaml, _, _) = Harness.Run(Harness.Compilation(), Harness.ExampleSpec(yamlFile));
        var (fromAttributes, output, _) = Harness.Run(Harness.Compilation(twin));

        Assert.Empty(fromAttributes.Diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning));
        Assert.Equal(Assert.Single(Harness.ModelSources(fromYaml)).Value, Assert.Single(Harness.ModelSources(fromAttributes)).Value);
    }

    [Fact]
    public void Attribute_errors_are_located_at_the_argument()
    {
        var source = ShirtsTwin.Replace("[Phase(\"head-only\", 8, \"head\")]", "[Phase(\"head-only\", 8, \"haed\")]")
            .Replace("Task = \"binary-classification\"", "Task = \"binary-clasification\"");
        var (result, _, _) = Harness.Run(Harness.Compilation(source));
        var text = source;

        Assert.Empty(Harness.ModelSources(result));
        var task = Assert.Single(result.Diagnostics, d => d.Id == "SPT0008");
        Assert.Equal("\"binary-clasification\"", Slice(text, task));
        Assert.Contains("did you mean 'binary-classification'", task.GetMessage());
        var group = Assert.Single(result.Diagnostics, d => d.Id == "SPT0105");
        Assert.Equal("\"haed\"", Slice(text, group));
        Assert.Equal("/src/User0.cs", group.Location.GetLineSpan().Path);
    }

    [Fact]
    public void Class_must_be_partial_and_top_level()
    {
        var source = ShirtsTwin.Replace("public partial class ShirtClassifier", "public class ShirtClassifier");
        var (result, _, _) = Harness.Run(Harness.Compilation(source));

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("SPT0126", diagnostic.Id);
        Assert.Equal("ShirtClassifier", Slice(source, diagnostic));
        Assert.Empty(Harness.ModelSources(result));
    }

    [Fact]
    public void Spec_attributes_spread_over_two_declarations_are_rejected()
    {
        var source = AttributeTwinTests.ShirtsTwin.Replace("[EarlyStopping(Monitor = \"val-loss\", Patience = 3, RestoreBest = true)]\n", "");
        var other = "namespace SpecTune.Examples;\n[SpecTune.EarlyStopping(Patience = 3)]\npublic partial class ShirtClassifier { }\n";
        var (result, _, _) = Harness.Run(Harness.Compilation(source, other));

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("SPT0126", diagnostic.Id);
        Assert.Contains("on the declaration that has [FineTune]", diagnostic.GetMessage());
        Assert.Empty(Harness.ModelSources(result));
    }

    private static string Slice(string text, Microsoft.CodeAnalysis.Diagnostic diagnostic) =>
        text.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length);
}
