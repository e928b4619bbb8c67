// Generator time for 1, 10 and 100 YAML specs: a cold run (a new driver) and a run after a one-character edit of
// one spec (the incremental case an IDE hits on every keystroke). A Stopwatch harness: warmup, then many
// iterations, median and 90th percentile. Run: dotnet run -c Release --project bench/SpecTune.Generators.Bench
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using SpecTune.Generators;

var root = FindRepoRoot();
var template = File.ReadAllText(Path.Combine(root, "examples", "FashionMnistFineTune", "shirts.spectune.yaml"));
var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
var compilation = CSharpCompilation.Create("Bench",
    new[] { CSharpSyntaxTree.ParseText("namespace User { public class Program { } }", parseOptions) },
    new[] { MetadataReference.CreateFromFile(typeof(object).Assembly.Location) },
    new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

Console.WriteLine($"SpecTune generator benchmark — {Environment.ProcessorCount} logical cores, {RuntimeInformationText()}");
Console.WriteLine();
Console.WriteLine($"{"specs",5}  {"scenario",-34} {"median ms",10} {"p90 ms",9} {"iterations",10}");
foreach (var count in new[] { 1, 10, 100 })
{
    var files = Enumerable.Range(0, count).Select(i => Spec(i, seed: 42)).ToArray();

    // Cold: a new driver sees every spec for the first time (a fresh build or the IDE opening the project).
    int coldIterations = count == 100 ? 30 : 200;
    Report(count, "cold (new driver)", Measure(warmup: 5, coldIterations, () => Driver(files).RunGenerators(compilation)), coldIterations);

    // One character changed in one spec (seed 42 -> 43 and back): only that spec's pipeline re-runs and re-emits.
    var warm = Driver(files).RunGenerators(compilation);
    var current = files[0];
    int edits = count == 100 ? 300 : 1000;
    var editSamples = Measure(warmup: 20, edits, () =>
    {
        var next = Spec(0, seed: current.GetText()!.ToString().Contains("seed: 42") ? 43 : 42);
        warm = warm.ReplaceAdditionalText(current, next).RunGenerators(compilation);
        current = next;
    });
    Report(count, "one-character edit of one spec", editSamples, edits);
    CheckOnlyOneSpecReran(warm, count);

    // The same edit inside a comment: the spec's value is equal, so nothing is re-emitted.
    var commented = Driver(files).RunGenerators(compilation);
    var plain = files[0];
    var withComment = new InMemoryText(plain.Path, plain.GetText()!.ToString().Replace("# The fine-tuning", "# the fine-tuning"));
    bool flip = false;
    var commentSamples = Measure(warmup: 20, edits, () =>
    {
        commented = flip ? commented.ReplaceAdditionalText(withComment, plain).RunGenerators(compilation)
                         : commented.ReplaceAdditionalText(plain, withComment).RunGenerators(compilation);
        flip = !flip;
    });
    Report(count, "one-character edit in a comment", commentSamples, edits);
}

InMemoryText Spec(int index, int seed) =>
    new($"/specs/spec{index}.spectune.yaml", template.Replace("name: ShirtClassifier", $"name: ShirtClassifier{index}").Replace("seed: 42", $"seed: {seed}"));

GeneratorDriver Driver(IEnumerable<AdditionalText> files) =>
    CSharpGeneratorDriver.Create(new[] { new SpecTuneGenerator().AsSourceGenerator() }, files, parseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

static List<double> Measure(int warmup, int iterations, Action action)
{
    for (int i = 0; i < warmup; i++) action();
    var samples = new List<double>(iterations);
    for (int i = 0; i < iterations; i++)
    {
        var start = Stopwatch.GetTimestamp();
        action();
        samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }
    return samples;
}

static void Report(int count, string scenario, List<double> samples, int iterations)
{
    samples.Sort();
    string F(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
    Console.WriteLine($"{count,5}  {scenario,-34} {F(samples[samples.Count / 2]),10} {F(samples[(int)(samples.Count * 0.9)]),9} {iterations,10}");
}

static void CheckOnlyOneSpecReran(GeneratorDriver driver, int count)
{
    var parses = driver.GetRunResult().Results.Single().TrackedSteps["SpecTune.YamlParse"].SelectMany(s => s.Outputs).ToList();
    int rerun = parses.Count(o => o.Reason != IncrementalStepRunReason.Cached);
    if (parses.Count != count || rerun != 1) throw new InvalidOperationException($"expected 1 of {count} specs re-parsed, saw {rerun} of {parses.Count}");
}

static string RuntimeInformationText() => System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;

static string FindRepoRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "SpecTune.sln"))) return dir.FullName;
    throw new DirectoryNotFoundException("SpecTune.sln not found above " + AppContext.BaseDirectory);
}

sealed class InMemoryText(string path, string text) : AdditionalText
{
    private readonly SourceText _text = SourceText.From(text);

    public override string Path { get; } = path;

    public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
}
