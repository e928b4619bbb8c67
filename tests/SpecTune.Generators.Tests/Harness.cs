using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using SpecTune.Generators;

namespace SpecTune.Generators.Tests;

/// <summary>An AdditionalFile held in memory.</summary>
public sealed class InMemoryAdditionalText(string path, string text) : AdditionalText
{
    private readonly SourceText _text = SourceText.From(text);

    public override string Path { get; } = path;

    public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
}

/// <summary>Builds compilations that can hold generated model classes, and runs the generator on them.</summary>
public static class Harness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        // The framework (trusted platform assemblies) plus the runtime, spec library and TorchSharp the generated code uses.
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).ToList();
        paths.Add(typeof(FineTuneModel).Assembly.Location);
        paths.Add(typeof(SpecTune.Spec.FineTuneSpec).Assembly.Location);
        paths.Add(typeof(TorchSharp.torch).Assembly.Location);
        // This test assembly holds generated classes itself (Specs/*.yaml); referencing it would clash with the ones a test generates.
        return paths.Distinct().Where(p => File.Exists(p) && p != typeof(Harness).Assembly.Location).Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    });

    public static CSharpCompilation Compilation(params string[] sources) =>
        CSharpCompilation.Create("SpecTuneUser",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"/src/User{i}.cs")),
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable,
                warningLevel: 9999));

    public static GeneratorDriver Driver(params AdditionalText[] files) =>
        CSharpGeneratorDriver.Create(
            new[] { new SpecTuneGenerator().AsSourceGenerator() },
            files,
            ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator once; returns the run result and the output compilation.</summary>
    public static (GeneratorDriverRunResult Result, Compilation Output, GeneratorDriver Driver) Run(Compilation compilation, params AdditionalText[] files)
    {
        var driver = Driver(files).RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        return (driver.GetRunResult(), output, driver);
    }

    /// <summary>The generated model sources (the attribute definitions and stand-ins for specs with errors left out), by hint name.</summary>
    public static IReadOnlyDictionary<string, string> ModelSources(GeneratorDriverRunResult result) =>
        result.Results.Single().GeneratedSources
            .Where(s => s.HintName != "SpecTune.Attributes.g.cs" && !s.HintName.Contains("Embedded") && !s.HintName.EndsWith(".StandIn.g.cs", StringComparison.Ordinal))
            .ToDictionary(s => s.HintName, s => s.SourceText.ToString());

    /// <summary>The stand-in classes emitted for specs with errors, by hint name.</summary>
    public static IReadOnlyDictionary<string, string> StandInSources(GeneratorDriverRunResult result) =>
        result.Results.Single().GeneratedSources
            .Where(s => s.HintName.EndsWith(".StandIn.g.cs", StringComparison.Ordinal))
            .ToDictionary(s => s.HintName, s => s.SourceText.ToString());

    public static string RepoRoot([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", ".."));

    public static string TestDirectory([CallerFilePath] string here = "") => Path.GetDirectoryName(here)!;

    public static InMemoryAdditionalText ExampleSpec(string fileName)
    {
        var path = Path.Combine(RepoRoot(), "examples", "FashionMnistFineTune", fileName);
        return new InMemoryAdditionalText(path, File.ReadAllText(path));
    }
}
