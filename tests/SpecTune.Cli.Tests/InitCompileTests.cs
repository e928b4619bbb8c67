using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using SpecTune.Generators;

namespace SpecTune.Tests;

/// <summary>What `spectune init` writes compiles through the source generator into the typed API user code calls.</summary>
[Collection(CliCollection.Name)]
public sealed class InitCompileTests : IDisposable
{
    private readonly TestWorkspace _workspace = new();

    /// <summary>User code calling every typed member of the class generated for the starter spec (multiclass, groups stem and body).</summary>
    private const string UserCode = """
        using System;
        using SpecTune;
        using SpecTune.Freezing;
        using SpecTune.Training;
        using TorchSharp;

        public static class UserCode
        {
            public static string Run(IProgress<TrainingProgress> progress)
            {
                using var model = StarterModel.Create("/data");
                TrainingReport report = model.Train(progress);
                EvaluationResult? evaluation = model.Evaluate();
                using var sample = torch.zeros(1, 28, 28);
                ClassPrediction prediction = model.Predict(sample);
                ParameterGroup[] groups = { model.Stem, model.Body, model.Head };
                model.Enter(StarterModel.Phase.Unfreeze);
                return $"{report.OutputPath} {evaluation?.Loss} {prediction.Class} {groups.Length} {StarterModel.Hyperparameters[StarterModel.Phase.HeadOnly].Epochs}";
            }
        }
        """;

    [Fact]
    public void The_starter_spec_validates_and_generates_the_typed_class_user_code_compiles_against()
    {
        var init = CliRunner.Run("init", "StarterModel", "--dir", _workspace.Root);
        Assert.True(init.ExitCode == 0, init.ToString());
        var path = _workspace.PathOf("StarterModel.spectune.yaml");
        var validate = CliRunner.Run("validate", path);
        Assert.True(validate.ExitCode == 0, validate.ToString());

        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(FineTuneModel).Assembly.Location)
            .Append(typeof(SpecTune.Spec.FineTuneSpec).Assembly.Location)
            .Append(typeof(TorchSharp.torch).Assembly.Location)
            .Distinct().Where(File.Exists).Select(p => (MetadataReference)MetadataReference.CreateFromFile(p));
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create("InitUser",
            new[] { CSharpSyntaxTree.ParseText(UserCode, parse, path: "/src/UserCode.cs") }, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var driver = CSharpGeneratorDriver.Create(new[] { new SpecTuneGenerator().AsSourceGenerator() },
            ImmutableArray.Create<AdditionalText>(new FileText(path)), parse);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);

        Assert.Empty(generatorDiagnostics);
        var generated = output.SyntaxTrees.Select(t => t.ToString()).ToList();
        Assert.Contains(generated, t => t.Contains("public sealed partial class StarterModel : global::SpecTune.FineTuneModel", StringComparison.Ordinal));
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        using var assembly = new MemoryStream();
        var emit = output.Emit(assembly);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
    }

    public void Dispose() => _workspace.Dispose();

    private sealed class FileText(string path) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(File.ReadAllText(Path));
    }
}
