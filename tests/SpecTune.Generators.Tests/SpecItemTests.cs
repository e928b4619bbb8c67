using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace SpecTune.Generators.Tests;

/// <summary>SpecTune's build targets turn SpecTuneSpec items into AdditionalFiles with SpecTuneSpec="true"; such a file is a spec whatever its name.</summary>
public class SpecItemTests
{
    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 0)]
    public void A_SpecTuneSpec_item_is_a_spec_whatever_its_name(bool marked, int expectedClasses)
    {
        var shirts = Harness.ExampleSpec("shirts.spectune.yaml");
        var file = new InMemoryAdditionalText("/specs/shirts.yaml", shirts.GetText().ToString());
        var options = new Options(marked ? new Dictionary<string, string> { ["build_metadata.AdditionalFiles.SpecTuneSpec"] = "true" } : new());
        var driver = CSharpGeneratorDriver.Create(new[] { new SpecTuneGenerator().AsSourceGenerator() }, new[] { file }, Harness.ParseOptions, options);

        var result = driver.RunGenerators(Harness.Compilation()).GetRunResult();

        Assert.Empty(result.Diagnostics);
        Assert.Equal(expectedClasses, Harness.ModelSources(result).Count);
    }

    private sealed class Options(Dictionary<string, string> fileOptions) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Values(new());

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Values(new());

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Values(fileOptions);

        private sealed class Values(Dictionary<string, string> values) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, out string value) => values.TryGetValue(key, out value!);
        }
    }
}
