using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using SpecTune.Spec;

namespace SpecTune.Generators.Tests;

/// <summary>The attribute front end against the grammar table: the same keys, and every key round-trips YAML → attributes → the same spec.</summary>
public class GrammarParityTests
{
    [Fact]
    public void Attribute_definitions_carry_exactly_the_grammars_attribute_members()
    {
        // Members of each attribute class in the embedded source: properties and constructor parameters, by lower-case name.
        var defined = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match type in Regex.Matches(AttributeSource.Text, @"class (\w+)Attribute : global::System.Attribute\s*\{(.*?)\n    \}", RegexOptions.Singleline))
        {
            var name = type.Groups[1].Value;
            foreach (Match property in Regex.Matches(type.Groups[2].Value, @"public [\w\[\]?]+ (\w+) \{ get;"))
                defined.Add(name + "." + property.Groups[1].Value.ToLowerInvariant());
            foreach (Match constructor in Regex.Matches(type.Groups[2].Value, @"public \w+Attribute\(([^)]*)\)"))
                foreach (var parameter in constructor.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    defined.Add(name + "." + parameter.Split(' ').Last().ToLowerInvariant());
        }
        var named = SpecGrammar.Keys.SelectMany(k => k.Attribute.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Where(a => a.Contains('.')).Select(a => a.Split('.')[0] + "." + a.Split('.')[1].ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);

        Assert.Empty(named.Except(defined).Order());   // a grammar row names a member the attributes lack
        Assert.Empty(defined.Except(named).Order());   // an attribute member no grammar row accounts for
        Assert.Empty(SpecGrammar.Keys.Where(k => k.Attribute.Length == 0 && k.Path != "spectune").Select(k => k.Path)); // every key but the version is expressible
    }

    [Theory]
    [InlineData("[Optimizer(\"adam\", 1.0e-2)]", "Momentum", "0.9")]
    [InlineData("[Optimizer(\"adam\", 1.0e-2)]", "Nesterov", "true")]
    [InlineData("Schedule = \"cosine\", WarmupRatio = 0.1", "Gamma", "0.5")]
    [InlineData("Schedule = \"cosine\", WarmupRatio = 0.1", "StepSize", "2")]
    [InlineData("Schedule = \"cosine\", WarmupRatio = 0.1", "PctStart", "0.2")]
    public void An_option_of_another_kind_is_an_unknown_key_at_its_argument(string at, string option, string value)
    {
        var argument = option + " = " + value;
        var source = AttributeTwinTests.ShirtsTwin.Replace(at, at.EndsWith(")]", StringComparison.Ordinal) ? at[..^2] + ", " + argument + ")]" : at + ", " + argument);
        Assert.NotEqual(AttributeTwinTests.ShirtsTwin, source);
        var (result, _, _) = Harness.Run(Harness.Compilation(source));

        var unknown = Assert.Single(result.Diagnostics, d => d.Id == "SPT0004");
        Assert.Equal(value, source.Substring(unknown.Location.SourceSpan.Start, unknown.Location.SourceSpan.Length));
        Assert.Contains("'" + option + "'", unknown.GetMessage());
    }

    /// <summary>Two specs that between them write every grammar key (a zoo base with sgd, an ONNX base with adam).</summary>
    public static TheoryData<string> FullSpecs() => new() { ZooSpec, OnnxSpec };

    [Fact]
    public void The_full_specs_write_every_grammar_key()
    {
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var yaml in new[] { ZooSpec, OnnxSpec })
        {
            var result = SpecYamlReader.Read(yaml, "/specs/full.spectune.yaml");
            Assert.True(result.Spec is not null, string.Join("\n", result.Diagnostics));
            foreach (var entry in result.Spec!.Locations.Entries) written.Add(GrammarPath(entry.SpecPath));
        }
        var unwritten = SpecGrammar.Keys.Select(k => k.Path).Where(p => !written.Contains(p)).ToList();
        Assert.Empty(unwritten);
    }

    [Theory]
    [MemberData(nameof(FullSpecs))]
    public void Every_grammar_key_round_trips_yaml_to_attributes_to_the_same_spec(string yaml)
    {
        var path = "/specs/full.spectune.yaml";
        var spec = SpecYamlReader.Read(yaml, path).Spec!;
        var twin = AttributesOf(spec);
        var (fromYaml, _, _) = Harness.Run(Harness.Compilation(), new InMemoryAdditionalText(path, yaml));
        var (fromAttributes, output, _) = Harness.Run(Harness.Compilation(twin));

        Assert.Empty(fromYaml.Diagnostics);
        Assert.Empty(fromAttributes.Diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning));
        // The generated class embeds the whole spec as a literal, so equal code is an equal spec.
        Assert.Equal(Assert.Single(Harness.ModelSources(fromYaml)).Value, Assert.Single(Harness.ModelSources(fromAttributes)).Value);
    }

    private const string ZooSpec = """
        spectune: 1
        name: FullZoo
        namespace: Demo.Models
        base: { architecture: cnn, input: [1, 28, 28], hidden: [8, 16, 32], weights: w.safetensors, strict: false, rename: { "module.": "", "net.": "base." } }
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
          - { name: head-only, epochs: 2, train: [head], lr: 0.01, schedule: { step: { step-size: 2, gamma: 0.5, warmup-steps: 2 } }, batch-norm: train-affine, feature-cache: false }
          - { name: all, epochs: 1, train: [head, stem, base], lr: { stem: 0.001 }, schedule: { one-cycle: { min-lr-factor: 0.1, pct-start: 0.25, warmup-ratio: 0.1 } } }
        early-stopping: { monitor: val-accuracy, mode: max, patience: 2, min-delta: 0.01, restore-best: false }
        regularization: { l2-sp: 0.01 }
        seed: 7
        output: out.safetensors
        checkpoints: ckpt
        metrics-log: log.jsonl
        device: cuda:1
        threads: 2
        batch-norm: train-all
        feature-cache: false
        """;

    private const string OnnxSpec = """
        spectune: 1
        name: FullOnnx
        base: { onnx: models/net.onnx, cut-at: Relu7, input: [3, 32, 32] }
        head: { layers: [ { linear: 1 }, sigmoid ] }
        task: binary-classification
        data: { format: csv, train: t.csv, split: 0.2, label-column: target }
        loss: binary-cross-entropy
        optimizer: { adamw: { lr: 0.001, betas: [0.8, 0.99], eps: 1.0e-7 } }
        phases:
          - { name: tune, epochs: 3, train: head, schedule: { cosine: { min-lr-factor: 0.05 } } }
        """;

    /// <summary>`phases[1].lr.stem.$key` → `phases[].lr`: indices, user-chosen names and key markers are not grammar keys.</summary>
    private static string GrammarPath(string path)
    {
        path = Regex.Replace(path, @"\[\d+\]", "[]").Replace(".$key", "");
        foreach (var map in new[] { "groups", "base.rename", "phases[].lr", "data.train", "data.valid", "head.layers", "metrics" })
            if (path.StartsWith(map + ".", StringComparison.Ordinal) || path.StartsWith(map + "[", StringComparison.Ordinal)) return map;
        foreach (var list in new[] { "base.input", "base.hidden", "data.classes", "phases[].train", "optimizer.betas" })
            if (path.StartsWith(list + "[", StringComparison.Ordinal)) return list;
        return Regex.Replace(path, @"^data\.transforms\.(resize|normalize\.mean|normalize\.std)\[\]$", "data.transforms.$1");
    }

    /// <summary>The attribute twin of <paramref name="spec"/>, every value written out.</summary>
    private static string AttributesOf(FineTuneSpec spec)
    {
        var text = new StringBuilder();
        var fineTune = new List<string>();
        var b = spec.Base;
        if (b.Weights is not null) fineTune.Add("Weights = " + Str(b.Weights));
        fineTune.Add("Input = " + Ints(b.Input));
        if (!b.Hidden.IsEmpty) fineTune.Add("Hidden = " + Ints(b.Hidden));
        fineTune.Add("Strict = " + Bool(b.Strict));
        if (b.Onnx is not null) fineTune.Add("Onnx = " + Str(b.Onnx));
        if (b.CutAt is not null) fineTune.Add("CutAt = " + Str(b.CutAt));
        if (!b.Rename.IsEmpty) fineTune.Add("Rename = new[] { " + string.Join(", ", b.Rename.Select(r => Str(r.From + "=" + r.To))) + " }");
        fineTune.Add("Task = " + Name("task", spec.Task));
        fineTune.Add("Loss = " + Name("loss", spec.Loss.Kind));
        if (spec.Loss.Kind == LossKind.CrossEntropy) fineTune.Add("LabelSmoothing = " + Num(spec.Loss.LabelSmoothing));
        if (!spec.Metrics.IsEmpty) fineTune.Add("Metrics = new[] { " + string.Join(", ", spec.Metrics.Select(m => Name("metrics", m))) + " }");
        fineTune.Add("Seed = " + spec.Seed);
        if (spec.Output is not null) fineTune.Add("Output = " + Str(spec.Output));
        if (spec.Checkpoints is not null) fineTune.Add("Checkpoints = " + Str(spec.Checkpoints));
        if (spec.MetricsLog is not null) fineTune.Add("MetricsLog = " + Str(spec.MetricsLog));
        fineTune.Add("Device = " + Str(spec.Device));
        if (spec.Threads is { } threads) fineTune.Add("Threads = " + threads);
        fineTune.Add("BatchNorm = " + Name("batch-norm", spec.BatchNorm));
        if (spec.Regularization is { } r) fineTune.Add("L2Sp = " + Num(r.L2Sp));
        fineTune.Add("FeatureCache = " + Bool(spec.FeatureCache));
        text.Append("[SpecTune.FineTune(").Append(b.Onnx is null ? Str(b.Architecture) + ", " : "").Append(string.Join(", ", fineTune)).Append(")]\n");

        foreach (var g in spec.Groups) text.Append("[SpecTune.Group(").Append(Str(g.Name)).Append(string.Concat(g.Patterns.Select(p => ", " + Str(p)))).Append(")]\n");
        var layers = spec.Head.Layers.Select(l => l.Kind switch
        {
            HeadLayerKind.Linear => Str("linear:" + l.Units),
            HeadLayerKind.Dropout when l.Rate is { } rate => Str("dropout:" + Num(rate)),
            _ => Name("head.layers", l.Kind),
        });
        text.Append("[SpecTune.Head(").Append(string.Join(", ", layers)).Append(spec.Head.Replace is { } replace ? ", Replace = " + Str(replace) : "").Append(")]\n");

        var d = spec.Data;
        var t = d.Transforms;
        var data = new List<string> { Name("data.format", d.Format), Str(d.Train.Path) };
        if (d.Train.Labels is not null) data.Add("TrainLabels = " + Str(d.Train.Labels));
        if (d.Valid is not null) data.Add("Valid = " + Str(d.Valid.Path));
        if (d.Valid?.Labels is not null) data.Add("ValidLabels = " + Str(d.Valid.Labels));
        if (d.Split is { } split) data.Add("Split = " + Num(split));
        data.Add("BatchSize = " + d.BatchSize);
        data.Add("Shuffle = " + Bool(d.Shuffle));
        if (!d.Classes.IsEmpty) data.Add("Classes = " + Ints(d.Classes));
        if (d.LabelColumn is not null) data.Add("LabelColumn = " + Str(d.LabelColumn));
        data.Add("Prefetch = " + d.Prefetch);
        if (!t.Resize.IsEmpty) data.Add("Resize = " + Ints(t.Resize));
        if (t.Channels is { } channels) data.Add("Channels = " + channels);
        if (t.Scale is { } scale) data.Add("Scale = " + Num(scale));
        if (!t.Mean.IsEmpty) data.Add("Mean = new[] { " + string.Join(", ", t.Mean.Select(Num)) + " }");
        if (!t.Std.IsEmpty) data.Add("Std = new[] { " + string.Join(", ", t.Std.Select(Num)) + " }");
        data.Add("RandomFlip = " + Bool(t.RandomFlip));
        data.Add("RandomCrop = " + t.RandomCrop);
        text.Append("[SpecTune.Data(").Append(string.Join(", ", data)).Append(")]\n");

        var o = spec.Optimizer;
        var optimizer = new List<string> { Name("optimizer", o.Kind), Num(o.LearningRate), "WeightDecay = " + Num(o.WeightDecay) };
        if (o.GradientClip is { } clip) optimizer.Add("GradClip = " + Num(clip));
        if (o.Kind == OptimizerKind.Sgd) optimizer.AddRange(new[] { "Momentum = " + Num(o.Momentum), "Nesterov = " + Bool(o.Nesterov) });
        else optimizer.AddRange(new[] { "Beta1 = " + Num(o.Beta1), "Beta2 = " + Num(o.Beta2), "Eps = " + Num(o.Epsilon) });
        text.Append("[SpecTune.Optimizer(").Append(string.Join(", ", optimizer)).Append(")]\n");

        foreach (var p in spec.Phases)
        {
            var s = p.Schedule;
            var phase = new List<string> { Str(p.Name), p.Epochs.ToString(CultureInfo.InvariantCulture) };
            phase.AddRange(p.Train.Select(Str));
            if (p.LearningRates.FirstOrDefault(x => x.Group is null) is { } rate) phase.Add("Lr = " + Num(rate.LearningRate));
            phase.Add("Schedule = " + Name("phases[].schedule", s.Kind));
            if (s.WarmupSteps is { } steps) phase.Add("WarmupSteps = " + steps);
            if (s.WarmupRatio is { } ratio) phase.Add("WarmupRatio = " + Num(ratio));
            if (s.Kind == ScheduleKind.Step) phase.AddRange(new[] { "StepSize = " + s.StepSize, "Gamma = " + Num(s.Gamma) });
            if (s.Kind is ScheduleKind.Cosine or ScheduleKind.OneCycle) phase.Add("MinLrFactor = " + Num(s.MinLearningRateFactor));
            if (s.Kind == ScheduleKind.OneCycle) phase.Add("PctStart = " + Num(s.PctStart));
            if (p.BatchNorm is { } policy) phase.Add("BatchNorm = " + Name("phases[].batch-norm", policy));
            if (p.FeatureCache is { } cache) phase.Add("FeatureCache = " + Bool(cache));
            text.Append("[SpecTune.Phase(").Append(string.Join(", ", phase)).Append(")]\n");
            foreach (var groupRate in p.LearningRates.Where(x => x.Group is not null))
                text.Append("[SpecTune.LearningRate(").Append(Str(p.Name)).Append(", ").Append(Str(groupRate.Group!)).Append(", ").Append(Num(groupRate.LearningRate)).Append(")]\n");
        }
        if (spec.EarlyStopping is { } e)
            text.Append("[SpecTune.EarlyStopping(Monitor = ").Append(Str(e.Monitor)).Append(e.Mode is { } mode ? ", Mode = " + Name("early-stopping.mode", mode) : "")
                .Append(", Patience = ").Append(e.Patience).Append(", MinDelta = ").Append(Num(e.MinDelta)).Append(", RestoreBest = ").Append(Bool(e.RestoreBest)).Append(")]\n");
        text.Append("public partial class ").Append(spec.Name).Append(";\n");
        return spec.Namespace is null ? text.ToString() : "namespace " + spec.Namespace + "\n{\n" + text + "}\n";
    }

    /// <summary>The YAML spelling of an enum value, from the grammar's allowed values.</summary>
    private static string Name<T>(string path, T value) where T : struct, Enum =>
        Str(SpecGrammar.Keys.First(k => k.Path == path).Allowed.Concat(new[] { "relu", "gelu", "dropout", "batchnorm", "sigmoid", "softmax" })
            .First(a => a.Replace("-", "") == value.ToString().ToLowerInvariant()));

    private static string Str(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
    private static string Num(double value) => value.ToString("R", CultureInfo.InvariantCulture) + (value == Math.Floor(value) && !value.ToString("R", CultureInfo.InvariantCulture).Contains('E') ? ".0" : "");
    private static string Bool(bool value) => value ? "true" : "false";
    private static string Ints(EquatableArray<int> items) => "new[] { " + string.Join(", ", items) + " }";
}
