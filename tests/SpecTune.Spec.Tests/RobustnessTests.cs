namespace SpecTune.Spec.Tests;

/// <summary>The reader must never throw: the generator loses all its output if it does.</summary>
public class RobustnessTests
{
    private const string Noise = ":-[]{},#&*!|>'\"%@` \t\n\r?0a1.e~";

    public static IEnumerable<object[]> Seeds() => Enumerable.Range(0, 8).Select(seed => new object[] { seed });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Mutated_documents_never_throw_and_errors_lie_inside_the_text(int seed)
    {
        var random = new Random(seed);
        int rejected = 0;
        for (int i = 0; i < 60; i++)
        {
            var text = Mutate(random.Next(2) == 0 ? Samples.Full : Samples.Minimal, random);

            var result = SpecYamlReader.Read(text, "fuzz.yaml");

            foreach (var diagnostic in result.Diagnostics)
                AssertInside(text, diagnostic.Span);
            if (result.Spec is null)
            {
                rejected++;
                Assert.Contains(result.Diagnostics, d => d.IsError);
            }
            else
            {
                Assert.DoesNotContain(result.Diagnostics, d => d.IsError);
            }
        }
        // The mutations are meant to break documents; if almost none are rejected the test proves little.
        Assert.True(rejected >= 20, $"only {rejected} of 60 mutated documents were rejected");
    }

    [Fact]
    public void Every_prefix_of_the_full_spec_reads_without_throwing()
    {
        for (int length = 0; length < Samples.Full.Length; length += 7)
        {
            var text = Samples.Full.Substring(0, length);
            var result = SpecYamlReader.Read(text, null);
            foreach (var diagnostic in result.Diagnostics)
                AssertInside(text, diagnostic.Span);
            Assert.True(result.Spec is not null || result.Diagnostics.Any(d => d.IsError));
        }
    }

    private static readonly string[] Hostile =
    {
        "&r [*r]", "? &k [*k]\n: 1\n", "? {a: 1}\n: 1\n", "&s [1, 2]", "*s", "? *s\n: 1\n", "*nowhere", "!!binary aGVs", "!Shirt ", "!<x:y> ",
        "!!str ", "2147483647", "[2147483647, 8, 8]", "[65536, 65536]", "{linear: 2147483647}", "record", "file", "scoped", "required",
        new string('[', 100), new string('q', 100_000), "\t", "\r\n\t",
    };

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Hostile_fragments_anywhere_never_throw_and_errors_lie_inside_the_text(int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < 40; i++)
        {
            var text = random.Next(2) == 0 ? Samples.Full : Samples.Minimal;
            for (int e = 0; e < 1 + random.Next(3); e++)
                text = text.Insert(random.Next(text.Length + 1), Hostile[random.Next(Hostile.Length)]);

            var result = SpecYamlReader.Read(text, "hostile.yaml");

            Assert.True(result.Diagnostics.Count <= DiagnosticLimit.MaxPerSpec + 1);
            foreach (var diagnostic in result.Diagnostics)
            {
                AssertInside(text, diagnostic.Span);
                Assert.Contains("hostile.yaml(", diagnostic.ToString());
            }
            Assert.True(result.Spec is not null || result.Diagnostics.Any(d => d.IsError));
        }
    }

    [Fact]
    public void Alias_structures_read_or_are_rejected_never_expanded_without_bound()
    {
        // Chains of aliases, each level multiplying the one below: allowed while small, SPT0024 once past the bound.
        for (int levels = 1; levels <= 8; levels++)
        {
            var text = new System.Text.StringBuilder(Samples.Minimal).Append("x0: &x0 [1, 2, 3, 4, 5, 6, 7, 8]\n");
            for (int i = 1; i < levels; i++)
                text.Append("x").Append(i).Append(": &x").Append(i).Append(" [").Append(string.Join(", ", Enumerable.Repeat("*x" + (i - 1), 8))).Append("]\n");

            var result = SpecYamlReader.Read(text.ToString(), null);

            // x-keys are unknown keys either way; the bound decides whether SPT0024 comes first.
            Assert.Null(result.Spec);
            bool expandsPast = Math.Pow(8, levels) > 10_000;
            Assert.Equal(expandsPast, result.Diagnostics.Any(d => d.Id == "SPT0024"));
        }
    }

    private static void AssertInside(string text, SourceSpan span)
    {
        Assert.InRange(span.StartOffset, 0, text.Length);
        Assert.InRange(span.EndOffset, span.StartOffset, text.Length);
        // Line and column must describe the same place as the offset.
        var (line, column) = LineColumn(text, span.StartOffset);
        Assert.Equal((line, column), (span.StartLine, span.StartColumn));
    }

    private static (int Line, int Column) LineColumn(string text, int offset)
    {
        int line = 0, lineStart = 0;
        for (int i = 0; i < offset; i++)
        {
            bool crlf = text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n';
            if (!crlf && (text[i] == '\n' || text[i] == '\r'))
            {
                line++;
                lineStart = i + 1;
            }
        }
        return (line, offset - lineStart);
    }

    private static string Mutate(string text, Random random)
    {
        int edits = 1 + random.Next(3);
        for (int e = 0; e < edits && text.Length > 0; e++)
        {
            int at = random.Next(text.Length);
            int length = Math.Min(text.Length - at, 1 + random.Next(12));
            switch (random.Next(4))
            {
                case 0: // truncate
                    text = text.Substring(0, at);
                    break;
                case 1: // cut a range
                    text = text.Remove(at, length);
                    break;
                case 2: // duplicate a range
                    text = text.Insert(at, text.Substring(at, length));
                    break;
                default: // replace characters with YAML-significant noise
                    var chars = text.ToCharArray();
                    for (int k = 0; k < length; k++) chars[at + k] = Noise[random.Next(Noise.Length)];
                    text = new string(chars);
                    break;
            }
        }
        return text;
    }
}
