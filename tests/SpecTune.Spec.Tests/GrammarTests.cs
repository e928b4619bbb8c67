using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using SpecTune.Spec;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SpecTune.Spec.Tests;

/// <summary>The grammar table drives the schema; the schema, the docs and the reader must agree with it.</summary>
public class GrammarTests
{
    private static readonly string RepoRoot = GrammarTestsPaths.RepoRoot;
    private static readonly string SchemaPath = Path.Combine(RepoRoot, "schemas", "spectune.schema.json");

    [Fact]
    public void Schema_file_is_the_one_generated_from_the_grammar()
    {
        var generated = SchemaWriter.Write();
        if (Environment.GetEnvironmentVariable("SPECTUNE_ACCEPT") == "1") File.WriteAllText(SchemaPath, generated);
        // The whole text, so a difference at any depth fails (SPECTUNE_ACCEPT=1 rewrites the file).
        Assert.Equal(generated, File.ReadAllText(SchemaPath).ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Every_grammar_key_is_documented_in_spec_md()
    {
        var docs = File.ReadAllText(Path.Combine(RepoRoot, "docs", "spec.md"));
        var missing = SpecGrammar.Keys.Where(k => !Regex.IsMatch(docs, "(`|^\\s*|[{,]\\s*)" + Regex.Escape(k.Name) + "(`|:)", RegexOptions.Multiline))
            .Select(k => k.Path).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void Every_grammar_default_is_the_one_docs_spec_md_states()
    {
        // A line that names the key (`key`, `key: ...` or `key (...)`) must state the default, as `value` or "default value".
        var lines = File.ReadAllLines(Path.Combine(RepoRoot, "docs", "spec.md"));
        var wrong = new List<string>();
        foreach (var key in SpecGrammar.Keys.Where(k => k.Default is not null))
        {
            var named = lines.Where(l => Regex.IsMatch(l, "`" + Regex.Escape(key.Name) + "(`|:| \\()")).ToList();
            var states = named.Any(l => Regex.Matches(l, "`([^`]*)`|default ([^\\s,)`]+)").Any(m => SameValue(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value, key.Default!)));
            if (!states) wrong.Add(key.Path + " = " + key.Default);
        }
        Assert.Empty(wrong);
    }

    private static bool SameValue(string documented, string value) =>
        documented == value
        || double.TryParse(documented, NumberStyles.Float, CultureInfo.InvariantCulture, out var a)
           && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var b) && a == b;

    [Fact]
    public void A_key_is_missing_exactly_when_the_grammar_marks_it_required()
    {
        // Remove each key the full spec writes (with its value) and read again: required keys give SPT0007 (phases: SPT0117).
        var spec = SpecYamlReader.Read(FullSpec, "full.spectune.yaml").Spec!;
        var wrong = new List<string>();
        var tried = 0;
        foreach (var entry in spec.Locations.Entries)
        {
            var key = SpecGrammar.Find(Normalize(entry.SpecPath));
            if (key is null || entry.SpecPath != key.Path.Replace("[]", "[0]") || entry.SpecPath.Length == 0) continue;
            var start = FullSpec.LastIndexOf(key.Name + ":", entry.Span.StartOffset, StringComparison.Ordinal);
            var end = entry.Span.EndOffset;
            if (start < 0) continue;
            end += FullSpec.Substring(end).StartsWith(", ", StringComparison.Ordinal) ? 2 : 0;
            var yaml = FullSpec.Substring(0, start) + FullSpec.Substring(end);
            var ids = SpecYamlReader.Read(yaml, "full.spectune.yaml").Diagnostics.Select(d => d.Id).ToList();
            var missing = ids.Contains("SPT0007") || key.Path == "phases" && ids.Contains("SPT0117");
            if (missing != key.Required) wrong.Add(key.Path + (key.Required ? " is required, but removing it gives " : " is optional, but removing it gives ") + string.Join(", ", ids));
            tried++;
        }
        Assert.Empty(wrong);
        Assert.True(tried >= 40, tried + " keys removed");
    }

    [Fact]
    public void Reader_takes_exactly_the_grammars_keys()
    {
        // Every grammar key the reader does not know would be an unknown-key error (SPT0011) in an otherwise valid spec.
        foreach (var key in SpecGrammar.Keys.Where(k => k.Parent.Length == 0))
            Assert.DoesNotContain(SpecYamlReader.Read(ValidSpec + "\n" + key.Name + ": ~\n", "g.spectune.yaml").Diagnostics,
                d => d.Id == SpecDiagnostics.UnknownKey.Id);
        var unknown = SpecYamlReader.Read(ValidSpec + "\nnot-a-key: 1\n", "g.spectune.yaml");
        Assert.Contains(unknown.Diagnostics, d => d.Id == SpecDiagnostics.UnknownKey.Id);
    }

    [Fact]
    public void Every_path_the_reader_records_is_a_grammar_key()
    {
        var spec = SpecYamlReader.Read(FullSpec, "full.spectune.yaml").Spec;
        Assert.NotNull(spec);
        var unknown = spec!.Locations.Entries.Select(e => Normalize(e.SpecPath)).Where(p => p.Length > 0 && SpecGrammar.Find(p) is null).Distinct().ToList();
        Assert.Empty(unknown);
    }

    [Fact]
    public void The_checker_enforces_the_grammars_ranges_where_the_schema_states_them()
    {
        // Every number the full spec writes under a key with a range, set just outside it, is SPT0107/SPT0108 at that value.
        var spec = SpecYamlReader.Read(FullSpec, "full.spectune.yaml").Spec!;
        var tested = new List<string>();
        foreach (var entry in spec.Locations.Entries)
        {
            var key = SpecGrammar.Find(Normalize(entry.SpecPath));
            if (key?.Range is not { } range || key.Path == "spectune") continue;
            var text = FullSpec.Substring(entry.Span.StartOffset, entry.Span.EndOffset - entry.Span.StartOffset);
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) continue;
            var outside = range.Min is { } min ? (range.MinExclusive ? min : min - 1) : range.Max!.Value + 1;
            var yaml = FullSpec.Substring(0, entry.Span.StartOffset) + outside.ToString(CultureInfo.InvariantCulture) + FullSpec.Substring(entry.Span.EndOffset);
            var diagnostics = SpecYamlReader.Read(yaml, "full.spectune.yaml").Diagnostics;
            Assert.True(diagnostics.Any(d => d.Id is "SPT0107" or "SPT0108" && d.Span.StartOffset == entry.Span.StartOffset),
                entry.SpecPath + " = " + outside + ": " + string.Join("; ", diagnostics));
            tested.Add(key.Path);
        }
        Assert.True(tested.Distinct().Count() >= 20, string.Join(", ", tested.Distinct()));
    }

    public static TheoryData<string, string> Corpus()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in Directory.GetFiles(Path.Combine(RepoRoot, "examples"), "*.spectune.yaml", SearchOption.AllDirectories)
                     .Concat(Directory.GetFiles(Path.Combine(RepoRoot, "tests", "SpecTune.Generators.Tests", "Specs"), "*.spectune.yaml")).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(RepoRoot, file), File.ReadAllText(file));
        data.Add("valid", ValidSpec);
        data.Add("full", FullSpec);
        data.Add("null optional keys", ValidSpec + "\nnamespace: ~\ncheckpoints: ~\nthreads: null\nearly-stopping: ~\n");
        data.Add("non-ASCII name", ValidSpec.Replace("name: Tiny", "name: Ünïcødé"));
        data.Add("bare schedule", ValidSpec.Replace("epochs: 1, train: [head]", "epochs: 1, train: head, schedule: cosine"));
        data.Add("loss without options", ValidSpec.Replace("loss: cross-entropy", "loss: { cross-entropy: ~ }"));
        foreach (var (name, from, to) in Invalid)
        {
            Assert.Contains(from, ValidSpec);
            data.Add(name, ValidSpec.Replace(from, to));
        }
        data.Add("no phases", ValidSpec.Substring(0, ValidSpec.IndexOf("phases:", StringComparison.Ordinal)));
        data.Add("misspelled schedule option", ValidSpec.Replace("train: [head]", "train: [head], schedule: { cosine: { min-lr-fctor: 0.1 } }"));
        data.Add("warmup steps and ratio together", ValidSpec.Replace("train: [head]", "train: [head], schedule: { cosine: { warmup-steps: 2, warmup-ratio: 0.1 } }"));
        data.Add("architecture and onnx together", ValidSpec.Replace("architecture: mlp,", "architecture: mlp, onnx: m.onnx,"));
        data.Add("option of another schedule", ValidSpec.Replace("train: [head]", "train: [head], schedule: { cosine: { gamma: 0.5 } }"));
        data.Add("option of another optimizer", ValidSpec.Replace("adam: { lr: 0.001 }", "adam: { lr: 0.001, momentum: 0.9 }"));
        return data;
    }

    private static readonly (string Name, string From, string To)[] Invalid =
    {
        ("empty input", "input: [4]", "input: []"),
        ("one-number resize", "format: csv", "format: csv\n  transforms: { resize: [28] }"),
        ("unknown root key", "seed: 3", "seeds: 3"),
        ("unknown enum", "task: multiclass-classification", "task: multiclass"),
        ("missing required", "  format: csv\n", ""),
        ("wrong type", "epochs: 1", "epochs: one"),
        ("null required", "name: Tiny", "name: ~"),
        ("two optimizers", "adam: { lr: 0.001 }", "adam: { lr: 0.001 }, sgd: { lr: 0.1 }"),
        ("unknown layer", "{ linear: 3 }", "{ conv: 3 }"),
        ("reserved group", "groups: { early: \"layers.0.*\" }", "groups: { head: \"layers.0.*\" }"),
    };

    [Fact]
    public void Version_written_as_a_decimal_is_left_to_the_reader()
    {
        // JSON Schema's data model has one number for 1 and 1.0 (Draft 7: "1.0 is an integer"), so no schema can reject
        // `spectune: 1.0`; the reader does (SPT0006). This test records the one known difference.
        var yaml = ValidSpec.Replace("spectune: 1", "spectune: 1.0");
        Assert.True(JsonSchema.FromText(File.ReadAllText(SchemaPath)).Evaluate(ToJson(yaml)).IsValid);
        Assert.Contains(SpecYamlReader.Read(yaml, "v.spectune.yaml").Diagnostics, d => d.Id == SpecDiagnostics.WrongType.Id);
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Schema_and_reader_agree(string name, string yaml)
    {
        var schema = JsonSchema.FromText(File.ReadAllText(SchemaPath));
        var json = ToJson(yaml);
        var verdict = schema.Evaluate(json, new EvaluationOptions { OutputFormat = OutputFormat.List });
        var read = SpecYamlReader.Read(yaml, name);
        var errors = string.Join("; ", read.Diagnostics.Where(d => d.IsError).Select(d => d.Id + " " + d.Message));
        var schemaErrors = string.Join("; ", (verdict.Details ?? Array.Empty<EvaluationResults>()).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => d.InstanceLocation + ": " + e.Value)));
        Assert.True(verdict.IsValid == (read.Spec is not null), $"{name}: schema valid={verdict.IsValid} ({schemaErrors}); reader: {errors}");
    }

    private const string ValidSpec = """
        spectune: 1
        name: Tiny
        base: { architecture: mlp, input: [4], hidden: [8] }
        groups: { early: "layers.0.*" }
        head: { layers: [ { linear: 3 } ] }
        task: multiclass-classification
        data:
          format: csv
          train: train.csv
        loss: cross-entropy
        optimizer: { adam: { lr: 0.001 } }
        seed: 3
        phases:
          - { name: warmup, epochs: 1, train: [head] }
        """;

    internal const string FullSpec = """
        spectune: 1
        name: Full
        namespace: Demo.Models
        base: { architecture: cnn, input: [1, 28, 28], hidden: [8, 16, 32], weights: w.safetensors, strict: false, rename: { "module.": "" } }
        groups: { stem: ["conv1.*", "bn1.*"] }
        head: { replace: fc, layers: [ { dropout: 0.2 }, { linear: 10 }, softmax ] }
        task: multiclass-classification
        data:
          format: idx
          train: { images: a, labels: b }
          valid: { images: c, labels: d }
          batch-size: 16
          shuffle: false
          classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
          prefetch: 1
          transforms: { resize: [28, 28], channels: 1, scale: 0.5, normalize: { mean: [0.1], std: [0.3] }, random-flip: true, random-crop: 2 }
        loss: { cross-entropy: { label-smoothing: 0.1 } }
        metrics: [accuracy, f1]
        optimizer: { sgd: { lr: 0.1, weight-decay: 0.0001, momentum: 0.9, nesterov: true, grad-clip: 1.0 } }
        phases:
          - { name: head-only, epochs: 2, train: [head], lr: 0.01, schedule: { step: { step-size: 1, gamma: 0.5, warmup-steps: 2 } }, batch-norm: train-affine, feature-cache: false }
          - { name: all, epochs: 1, train: [head, stem, base], lr: { stem: 0.001 }, schedule: { one-cycle: { min-lr-factor: 0.1, pct-start: 0.25, warmup-ratio: 0.1 } } }
        early-stopping: { monitor: val-accuracy, mode: max, patience: 2, min-delta: 0.01, restore-best: false }
        regularization: { l2-sp: 0.01 }
        seed: 7
        output: out.safetensors
        checkpoints: ckpt
        metrics-log: log.jsonl
        device: cpu
        threads: 2
        batch-norm: train-all
        feature-cache: false
        """;

    /// <summary>`phases[1].lr.stem.$key` → `phases[].lr`: list indices, user-chosen names and key markers are not grammar keys.</summary>
    private static string Normalize(string path)
    {
        path = Regex.Replace(path, "\\[\\d+\\]", "[]").Replace(".$key", "");
        foreach (var map in new[] { "groups", "base.rename", "phases[].lr", "data.train", "data.valid" })
            if (path.StartsWith(map + ".", StringComparison.Ordinal)) return map;
        if (path.StartsWith("groups[]", StringComparison.Ordinal)) return "groups";
        while (path.EndsWith("[]", StringComparison.Ordinal) && SpecGrammar.Find(path) is null) path = path.Substring(0, path.Length - 2);
        return path.StartsWith("head.layers", StringComparison.Ordinal) ? "head.layers" : path;
    }

    /// <summary>YAML to JSON by the YAML 1.2 core schema, as an editor's YAML language server does.</summary>
    private static JsonNode? ToJson(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return Convert(stream.Documents[0].RootNode);
    }

    private static JsonNode? Convert(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children) obj[((YamlScalarNode)key).Value!] = Convert(value);
                return obj;
            case YamlSequenceNode sequence:
                return new JsonArray(sequence.Children.Select(Convert).ToArray());
            case YamlScalarNode scalar:
                var text = scalar.Value ?? "";
                if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted) return JsonValue.Create(text);
                if (text is "" or "~" or "null" or "Null" or "NULL") return null;
                if (text is "true" or "True" or "TRUE") return JsonValue.Create(true);
                if (text is "false" or "False" or "FALSE") return JsonValue.Create(false);
                if (Regex.IsMatch(text, "^[-+]?[0-9]+$")) return JsonValue.Create(long.Parse(text, CultureInfo.InvariantCulture));
                if (Regex.IsMatch(text, "^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$"))
                    return JsonNode.Parse(text.StartsWith('.') ? "0" + text : text.EndsWith('.') ? text + "0" : text.TrimStart('+'));
                return JsonValue.Create(text);
            default:
                throw new InvalidOperationException(node.GetType().Name);
        }
    }
}

internal static class GrammarTestsPaths
{
    public static readonly string RepoRoot = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SpecTune.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("SpecTune.sln not found above " + AppContext.BaseDirectory);
    }
}
