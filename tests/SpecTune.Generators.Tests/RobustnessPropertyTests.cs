using CsCheck;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace SpecTune.Generators.Tests;

/// <summary>
/// Thousands of mutated specs: no exception ever escapes the generator (which would drop its output behind
/// CS8785), and every rejected input carries at least one error located inside the input.
/// </summary>
public class RobustnessPropertyTests
{
    private static readonly string[] Seeds =
    {
        File.ReadAllText(Path.Combine(Harness.RepoRoot(), "examples", "FashionMnistFineTune", "shirts.spectune.yaml")),
        File.ReadAllText(Path.Combine(Harness.RepoRoot(), "examples", "FashionMnistFineTune", "pretrain.spectune.yaml")),
        File.ReadAllText(Path.Combine(Harness.TestDirectory(), "Specs", "TinyShirts.spectune.yaml")),
    };

    private static readonly string[] Tokens =
    {
        "{", "}", "[", "]", ":", ",", "-", "#", "'", "\"", "\n", "\t", " ", "&a", "*a", "!!str", "|", ">", "%", "@", "`", "~", "null",
        "-1", "0", "1e999", "NaN", ".inf", "1.5", "true", "\"16\"", "[]", "{}", "head", "base", "conv1.*", "*", "fc.*", "layer5.*",
        "resnet50", "mlp", "sigmoid", "softmax", "{linear: 0}", "{dropout: 1}", "cosine", "one-cycle", "---", "\u00e9", "\u2028", "\ud800",
        // Hostile input (issue 16): alias structures, tags, huge and long values, names that must compile.
        "&r [*r]", "? &k [*k]\n: 1\n", "? [a, b]\n: 1\n", "&s 1e-3", "*s", "*undefined", "!!binary aGVs", "!Shirt", "!!str", "!!int 3",
        "2147483647", "[65536, 65536]", "{linear: 2147483647}", "record", "file", "required", "scoped", "SpecTune", "FineTuneModel",
        "predict-row", "job", new string('z', 3000),
    };

    private static readonly Gen<Func<string, string>> Mutation = Gen.OneOf(
        // Delete a run of characters.
        Gen.Select(Gen.Double[0, 1], Gen.Int[1, 12], (at, length) => (Func<string, string>)(s =>
        {
            int start = (int)(at * s.Length);
            return s.Remove(start, Math.Min(length, s.Length - start));
        })),
        // Insert a YAML-significant token or a value of the wrong kind.
        Gen.Select(Gen.Double[0, 1], Gen.Int[0, Tokens.Length - 1], (at, token) => (Func<string, string>)(s => s.Insert((int)(at * s.Length), Tokens[token]))),
        // Replace the value after a colon on some line.
        Gen.Select(Gen.Double[0, 1], Gen.Int[0, Tokens.Length - 1], (at, token) => (Func<string, string>)(s =>
        {
            var lines = s.Split('\n');
            int i = (int)(at * (lines.Length - 1));
            int colon = lines[i].IndexOf(':');
            if (colon >= 0) lines[i] = lines[i].Substring(0, colon + 1) + " " + Tokens[token];
            return string.Join("\n", lines);
        })),
        // Duplicate, drop or re-indent a line.
        Gen.Select(Gen.Double[0, 1], Gen.Int[0, 2], (at, kind) => (Func<string, string>)(s =>
        {
            var lines = s.Split('\n').ToList();
            int i = (int)(at * (lines.Count - 1));
            if (kind == 0) lines.Insert(i, lines[i]);
            else if (kind == 1) lines.RemoveAt(i);
            else lines[i] = "   " + lines[i];
            return string.Join("\n", lines);
        })));

    private static readonly Gen<string> MutatedYaml =
        Gen.Select(Gen.Int[0, Seeds.Length - 1], Mutation.Array[1, 4], (seed, mutations) => mutations.Aggregate(Seeds[seed], (text, m) => m(text)));

    private static readonly Compilation Empty = Harness.Compilation();

    [Fact]
    public void Mutated_yaml_never_throws_and_every_rejection_is_located_inside_the_input()
    {
        int rejected = 0, accepted = 0;
        MutatedYaml.Sample(text =>
        {
            const string path = "/specs/mutated.spectune.yaml";
            var result = Harness.Driver(new InMemoryAdditionalText(path, text)).RunGenerators(Empty).GetRunResult();
            var run = result.Results.Single();

            Assert.Null(run.Exception);
            Assert.DoesNotContain(result.Diagnostics, d => d.Id == "CS8785");
            var model = Harness.ModelSources(result).Values.SingleOrDefault();
            if (model is not null)
            {
                Interlocked.Increment(ref accepted);
                // Whatever is accepted must at least be well-formed C#.
                Assert.Empty(CSharpSyntaxTree.ParseText(model, Harness.ParseOptions).GetDiagnostics());
                return;
            }
            Interlocked.Increment(ref rejected);
            var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Assert.NotEmpty(errors);
            int lines = text.Count(c => c == '\n') + 1;
            Assert.Contains(errors, d => InsideText(d, path, text.Length, lines));
        }, iter: 2500, threads: -1);

        // The generator is not exercised if nearly everything is rejected (or accepted).
        Assert.True(rejected > 200 && accepted > 60, $"rejected {rejected}, accepted {accepted}");
    }

    [Fact]
    public void Mutated_attribute_sets_never_throw_and_every_rejection_is_located_inside_the_source()
    {
        var twin = AttributeTwinTests.ShirtsTwin;
        var literals = System.Text.RegularExpressions.Regex.Matches(twin, "\"[^\"]*\"|\\b\\d+(\\.\\d+)?(e-?\\d+)?\\b").Select(m => (m.Index, m.Length)).ToArray();
        var lines = twin.Split('\n');
        var gen = Gen.OneOf(
            // Replace a literal argument with another token (strings, numbers, nothing).
            Gen.Select(Gen.Int[0, literals.Length - 1], Gen.Int[0, Tokens.Length - 1], (i, t) =>
                twin.Substring(0, literals[i].Index) + SyntaxFactory.Literal(Tokens[t]).ToFullString() + twin.Substring(literals[i].Index + literals[i].Length)),
            Gen.Select(Gen.Int[0, literals.Length - 1], Gen.Int[-3, 3], (i, n) =>
                twin.Substring(0, literals[i].Index) + n + twin.Substring(literals[i].Index + literals[i].Length)),
            // Drop an attribute line.
            Gen.Int[0, lines.Length - 1].Select(i => string.Join("\n", lines.Where((_, j) => j != i))));

        int rejected = 0;
        gen.Sample(source =>
        {
            var (result, output, _) = Harness.Run(Harness.Compilation(source));
            Assert.Null(result.Results.Single().Exception);
            Assert.DoesNotContain(result.Diagnostics, d => d.Id == "CS8785");
            if (Harness.ModelSources(result).Count > 0) return;
            Interlocked.Increment(ref rejected);
            // A rejection is a generator error or a compiler error (an argument that does not bind), inside the user's file.
            var errors = result.Diagnostics.Concat(output.GetDiagnostics()).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Assert.Contains(errors, d => InsideText(d, "/src/User0.cs", source.Length, source.Count(c => c == '\n') + 1));
        }, iter: 300, threads: -1);
        Assert.True(rejected > 40, $"only {rejected} attribute sets were rejected");
    }

    private static bool InsideText(Diagnostic d, string path, int length, int lines)
    {
        var span = d.Location.GetLineSpan();
        return span.Path == path
            && d.Location.SourceSpan.Start >= 0 && d.Location.SourceSpan.End <= length
            && span.StartLinePosition.Line < lines && span.EndLinePosition.Line < lines;
    }
}
