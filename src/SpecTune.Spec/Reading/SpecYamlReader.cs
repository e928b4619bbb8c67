using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SpecTune.Spec
{
    /// <summary>
    /// Reads a `*.spectune.yaml` file into a <see cref="FineTuneSpec"/>, recording where every value
    /// was written, then runs <see cref="SpecChecker"/>. Never throws: every problem in the text is a
    /// diagnostic. docs/spec.md documents the grammar.
    /// </summary>
    public static class SpecYamlReader
    {
        /// <summary>Reads and checks a spec.</summary>
        /// <param name="yamlText">The YAML text.</param>
        /// <param name="path">The file's path, for diagnostics and <see cref="FineTuneSpec.SourcePath"/>; null when there is no file.</param>
        /// <returns>The spec (null when any diagnostic is an error) and all diagnostics, in text order.</returns>
        public static SpecReadResult Read(string yamlText, string? path)
        {
            var text = yamlText ?? "";
            var context = new ReadContext(text, path);
            FineTuneSpec? spec = null;
            try
            {
                var root = YamlPrePass.Check(context, text) ? Load(context, text) : null;
                if (root is not null) spec = ReadSpec(context, root);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // A defect in the reader must still not take the generator down (CS8785 drops all its output).
                context.Report(SpecDiagnostics.YamlSyntax, context.SpanFromOffsets(0, 0), exception.Message);
                spec = null;
            }

            var diagnostics = new List<SpecDiagnostic>(context.Diagnostics);
            if (spec is not null) diagnostics.AddRange(SpecChecker.Check(spec, context.Unreliable));
            var ordered = DiagnosticLimit.Cap(diagnostics.OrderBy(d => d.Span.StartOffset));
            return new SpecReadResult(ordered.Any(d => d.IsError) ? null : spec, ordered);
        }

        private static YamlMappingNode? Load(ReadContext context, string text)
        {
            var stream = new YamlStream();
            try
            {
                stream.Load(YamlParsing.CreateParser(text));
            }
            catch (YamlException exception)
            {
                var span = context.SpanAt(exception.Start, exception.End);
                // YamlDotNet's mapping rejects a repeated key while loading; give it its own id.
                // Its message is "Duplicate key <value>", the key without quotes; the loaded tree is lost, so this is the only diagnostic.
                const string duplicate = "Duplicate key";
                if (exception.Message.StartsWith(duplicate, StringComparison.Ordinal))
                    context.Report(SpecDiagnostics.DuplicateKey, span, exception.Message.Substring(duplicate.Length).Trim());
                else
                    context.Report(SpecDiagnostics.YamlSyntax, span, exception.Message);
                return null;
            }
            catch (Exception exception) when (exception is InvalidOperationException || exception is ArgumentException)
            {
                // Some malformed inputs (e.g. an unclosed flow list followed by a key) make YamlDotNet
                // fail without a mark; locate the error where the last well-formed event ends.
                context.Report(SpecDiagnostics.YamlSyntax, LastGoodPosition(context, text),
                    "the text after this point is not valid YAML (" + exception.Message + ")");
                return null;
            }

            if (stream.Documents.Count == 0 || ReadContext.IsNull(stream.Documents[0].RootNode))
            {
                context.Report(SpecDiagnostics.EmptyDocument, context.SpanFromOffsets(0, 0));
                return null;
            }
            if (stream.Documents.Count > 1)
            {
                context.Report(SpecDiagnostics.MultipleDocuments, context.SpanOf(stream.Documents[1].RootNode), stream.Documents.Count);
                return null;
            }
            var root = stream.Documents[0].RootNode;
            if (root is YamlMappingNode mapping) return mapping;
            context.Report(SpecDiagnostics.WrongType, context.SpanOf(root), "the spec", "a mapping of keys such as 'spectune: 1'", ReadContext.Describe(root));
            return null;
        }

        private static SourceSpan LastGoodPosition(ReadContext context, string text)
        {
            var parser = new Parser(new StringReader(text));
            var last = Mark.Empty;
            try
            {
                while (parser.MoveNext()) last = parser.Current!.End;
            }
            catch (Exception exception) when (exception is YamlException || exception is InvalidOperationException || exception is ArgumentException)
            {
                // Expected: this pass exists to find where parsing stops.
            }
            return context.SpanAt(last, last);
        }

        private static FineTuneSpec ReadSpec(ReadContext context, YamlMappingNode root)
        {
            context.Record("", root);
            var m = new MappingReader(context, root, "", null, SpecGrammar.KeyNames(""));

            var version = m.Int("spectune", required: true);
            if (version is not null && version != SpecDefaults.Version)
                context.Fail("spectune", SpecDiagnostics.UnsupportedVersion, m.ValueSpan("spectune"), version);

            // Read before the spec is built: its source map is taken when the constructor's arguments are evaluated.
            var featureCache = m.Bool("feature-cache") ?? SpecDefaults.FeatureCache;
            return new FineTuneSpec(
                Version: version ?? SpecDefaults.Version,
                Name: m.String("name", required: true) ?? "",
                Namespace: m.String("namespace"),
                Base: ReadBase(context, m),
                Groups: ReadGroups(context, m),
                Head: ReadHead(context, m),
                Task: m.Enum("task", SpecNames.Tasks, required: true) ?? SpecDefaults.Task,
                Data: ReadData(context, m),
                Loss: ReadLoss(context, m),
                Metrics: ReadMetrics(context, m.Optional("metrics"), "metrics", "a list of metric names",
                    (node, itemPath) => Values.Enum(context, node, itemPath, SpecNames.Metrics)),
                Optimizer: ReadOptimizer(context, m),
                Phases: ReadPhases(context, m),
                EarlyStopping: ReadEarlyStopping(m),
                Regularization: ReadRegularization(m),
                Seed: m.Int("seed") ?? SpecDefaults.Seed,
                Output: m.String("output"),
                Checkpoints: m.String("checkpoints"),
                MetricsLog: m.String("metrics-log"),
                Device: m.String("device") ?? SpecDefaults.Device,
                Threads: m.Int("threads"),
                BatchNorm: m.Enum("batch-norm", SpecNames.BatchNormPolicies) ?? SpecDefaults.BatchNorm,
                SourcePath: context.Path,
                Locations: new SourceMap(context.Locations.ToEquatableArray()))
            {
                FeatureCache = featureCache,
            };
        }

        private static BaseSpec ReadBase(ReadContext context, MappingReader root)
        {
            var m = root.Mapping("base", required: true, SpecGrammar.KeyNames("base"));
            if (m is null) return new BaseSpec("", null, EquatableArray<int>.Empty, EquatableArray<int>.Empty, SpecDefaults.Strict);
            // architecture and onnx are alternatives; the checker reports none or both (SPT0140).
            return new BaseSpec(
                Architecture: m.String("architecture") ?? "",
                Weights: m.String("weights"),
                Input: m.IntList("input", required: true),
                Hidden: m.IntList("hidden"),
                Strict: m.Bool("strict") ?? SpecDefaults.Strict,
                Onnx: m.String("onnx"),
                CutAt: m.String("cut-at"),
                Rename: ReadRenames(context, m.Optional("rename")));
        }

        private static EquatableArray<RenameSpec> ReadRenames(ReadContext context, YamlNode? node)
        {
            if (node is null) return EquatableArray<RenameSpec>.Empty;
            if (node is not YamlMappingNode mapping)
            {
                Values.WrongType(context, node, "base.rename", "a mapping of old name prefixes to new ones");
                return EquatableArray<RenameSpec>.Empty;
            }
            var renames = new List<RenameSpec>();
            foreach (var (key, name, value) in NamedEntries(context, mapping, "base.rename"))
            {
                var path = "base.rename." + name;
                context.Record(path + ".$key", key);
                context.Record(path, value);
                // A quoted empty replacement is allowed: `{ "module.": "" }` strips a prefix.
                if (value is YamlScalarNode scalar && !ReadContext.IsNull(scalar))
                    renames.Add(new RenameSpec(name, scalar.Value ?? ""));
                else
                    Values.WrongType(context, value, path, "a name prefix");
            }
            return renames.ToEquatableArray();
        }

        private static EquatableArray<GroupSpec> ReadGroups(ReadContext context, MappingReader root)
        {
            var node = root.Optional("groups");
            if (node is null) return EquatableArray<GroupSpec>.Empty;
            if (node is not YamlMappingNode mapping)
            {
                Values.WrongType(context, node, "groups", "a mapping of group names to globs");
                return EquatableArray<GroupSpec>.Empty;
            }

            var groups = new List<GroupSpec>();
            foreach (var (key, name, value) in NamedEntries(context, mapping, "groups"))
            {
                var path = "groups." + name;
                context.Record(path + ".$key", key);
                context.Record(path, value);
                EquatableArray<string> patterns;
                if (value is YamlSequenceNode)
                    patterns = ReadStrings(context, value, path, "a glob or a list of globs");
                else if (Values.String(context, value, path) is { } single)
                    patterns = EquatableArray.Create(single);
                else
                    patterns = EquatableArray<string>.Empty;
                groups.Add(new GroupSpec(name, patterns));
            }
            return groups.ToEquatableArray();
        }

        private static HeadSpec ReadHead(ReadContext context, MappingReader root)
        {
            var m = root.Mapping("head", required: true, SpecGrammar.KeyNames("head"));
            if (m is null) return new HeadSpec(null, EquatableArray<HeadLayerSpec>.Empty);
            var replace = m.String("replace");
            var layersNode = m.Required("layers", "a list of layers");
            if (layersNode is null) return new HeadSpec(replace, EquatableArray<HeadLayerSpec>.Empty);
            var layers = ReadList(context, layersNode, "head.layers", "a list of layers", new HeadLayerSpec(HeadLayerKind.Relu, null, null),
                (node, path) => ReadHeadLayer(context, node, path));
            return new HeadSpec(replace, layers);
        }

        private static HeadLayerSpec? ReadHeadLayer(ReadContext context, YamlNode node, string path)
        {
            if (node is YamlScalarNode)
            {
                var kind = Values.Enum(context, node, path, SpecNames.BareLayers);
                return kind is null ? null : new HeadLayerSpec(kind.Value, null, null);
            }
            if (!TryOneKey(context, node, path, "a layer name or a one-key mapping such as {linear: 10}", out var key, out var value))
                return null;
            switch (key.Value)
            {
                case "linear":
                    var units = Values.Int(context, value, path + ".linear", "a whole number of units");
                    return units is null ? null : new HeadLayerSpec(HeadLayerKind.Linear, units, null);
                case "dropout":
                    var rate = Values.Number(context, value, path + ".dropout");
                    return rate is null ? null : new HeadLayerSpec(HeadLayerKind.Dropout, null, rate);
                default:
                    var known = new[] { "linear", "dropout" };
                    context.Fail(path, SpecDiagnostics.UnknownKey, context.SpanOf(key), key.Value, "'" + path + "' (layers with a value are linear and dropout)",
                        SpecDiagnostics.DidYouMeanSuffix(key.Value ?? "", known));
                    return null;
            }
        }

        private static DataSpec ReadData(ReadContext context, MappingReader root)
        {
            var m = root.Mapping("data", required: true, SpecGrammar.KeyNames("data"));
            var placeholder = new DataSourceSpec("", null);
            if (m is null)
                return new DataSpec(DataFormat.Idx, placeholder, null, null, SpecDefaults.BatchSize, SpecDefaults.Shuffle, EquatableArray<int>.Empty, null, TransformSpec.None, SpecDefaults.Prefetch);

            var format = m.Enum("format", SpecNames.Formats, required: true);
            var trainNode = m.Required("train", "a path");
            var validNode = m.Optional("valid");
            return new DataSpec(
                Format: format ?? DataFormat.Idx,
                Train: trainNode is null ? placeholder : ReadSource(context, trainNode, "data.train", format) ?? placeholder,
                Valid: validNode is null ? null : ReadSource(context, validNode, "data.valid", format),
                Split: m.Number("split"),
                BatchSize: m.Int("batch-size") ?? 32,
                Shuffle: m.Bool("shuffle") ?? true,
                Classes: m.IntList("classes"),
                LabelColumn: m.String("label-column"),
                Transforms: ReadTransforms(m),
                Prefetch: m.Int("prefetch") ?? 2);
        }

        private static DataSourceSpec? ReadSource(ReadContext context, YamlNode node, string path, DataFormat? format)
        {
            if (node is YamlScalarNode)
            {
                var file = Values.String(context, node, path);
                return file is null ? null : new DataSourceSpec(file, null);
            }
            // The {images, labels} form only exists for idx; with an unreadable format, still read it to report its own problems.
            if (node is YamlMappingNode mapping && format != DataFormat.Csv && format != DataFormat.ImageFolder)
            {
                var m = new MappingReader(context, mapping, path, null, "images", "labels");
                var images = m.String("images", required: true);
                var labels = m.String("labels", required: true);
                return images is null || labels is null ? null : new DataSourceSpec(images, labels);
            }
            Values.WrongType(context, node, path, node is YamlMappingNode ? "a path (the {images, labels} form is for idx data only)" : "a path");
            return null;
        }

        private static TransformSpec ReadTransforms(MappingReader data)
        {
            var m = data.Mapping("transforms", required: false, SpecGrammar.KeyNames("data.transforms"));
            if (m is null) return TransformSpec.None;
            var normalize = m.Mapping("normalize", required: false, SpecGrammar.KeyNames("data.transforms.normalize"));
            return new TransformSpec(
                Resize: m.IntList("resize"),
                Channels: m.Int("channels"),
                Scale: m.Number("scale"),
                Mean: normalize?.NumberList("mean", required: true) ?? EquatableArray<double>.Empty,
                Std: normalize?.NumberList("std", required: true) ?? EquatableArray<double>.Empty,
                RandomFlip: m.Bool("random-flip") ?? SpecDefaults.RandomFlip,
                RandomCrop: m.Int("random-crop") ?? SpecDefaults.RandomCrop);
        }

        private static LossSpec ReadLoss(ReadContext context, MappingReader root)
        {
            var fallback = new LossSpec(SpecDefaults.Loss, SpecDefaults.LabelSmoothing);
            var node = root.Required("loss", "a loss name");
            if (node is null) return fallback;
            if (node is YamlScalarNode)
            {
                var kind = Values.Enum(context, node, "loss", SpecNames.Losses);
                return kind is null ? fallback : new LossSpec(kind.Value, SpecDefaults.LabelSmoothing);
            }
            if (!TryOneKey(context, node, "loss", "a loss name or a one-key mapping such as {cross-entropy: {label-smoothing: 0.1}}", out var key, out var value))
                return fallback;
            var named = Values.Enum(context, key, "loss", SpecNames.Losses);
            if (named is null) return fallback;
            var options = Options(context, value, "loss", "'loss." + key.Value + "'",
                SpecGrammar.KeyNames("loss", key.Value));
            return new LossSpec(named.Value, options?.Number("label-smoothing") ?? SpecDefaults.LabelSmoothing);
        }

        private static OptimizerSpec ReadOptimizer(ReadContext context, MappingReader root)
        {
            var fallback = new OptimizerSpec(SpecDefaults.Optimizer, 0, SpecDefaults.WeightDecay, SpecDefaults.Momentum, SpecDefaults.Nesterov, SpecDefaults.Beta1, SpecDefaults.Beta2, SpecDefaults.Epsilon, null);
            var node = root.Required("optimizer", "a one-key mapping such as {adam: {lr: 0.001}}");
            if (node is null) return fallback;
            if (!TryOneKey(context, node, "optimizer", "a one-key mapping such as {adam: {lr: 0.001}}", out var key, out var value))
                return fallback;
            var kind = Values.Enum(context, key, "optimizer", SpecNames.Optimizers);
            if (kind is null) return fallback;

            // Each optimizer accepts only the options it uses, so `momentum` under adam is an error, not silently ignored.
            var keys = SpecGrammar.KeyNames("optimizer", key.Value);
            var display = "'optimizer." + key.Value + "'";
            var m = Options(context, value, "optimizer", display, keys);
            if (m is null)
            {
                // `optimizer: {adam: }` has no lr, which is required.
                context.Fail("optimizer.lr", SpecDiagnostics.MissingRequired, context.SpanOf(node), "lr", display);
                return fallback with { Kind = kind.Value };
            }

            double beta1 = SpecDefaults.Beta1, beta2 = SpecDefaults.Beta2;
            var betasNode = m.Optional("betas");
            if (betasNode is not null)
            {
                var betas = Values.List(context, betasNode, "optimizer.betas", "a list of two numbers [b1, b2]", (n, p) => Values.Number(context, n, p));
                if (betas.Count == 2)
                {
                    beta1 = betas[0];
                    beta2 = betas[1];
                }
                else if (!context.Unreliable.Contains("optimizer.betas"))
                {
                    Values.WrongType(context, betasNode, "optimizer.betas", "a list of two numbers [b1, b2]");
                }
            }
            return new OptimizerSpec(
                Kind: kind.Value,
                LearningRate: m.Number("lr", required: true) ?? 0,
                WeightDecay: m.Number("weight-decay") ?? SpecDefaults.WeightDecay,
                Momentum: m.Number("momentum") ?? SpecDefaults.Momentum,
                Nesterov: m.Bool("nesterov") ?? SpecDefaults.Nesterov,
                Beta1: beta1,
                Beta2: beta2,
                Epsilon: m.Number("eps") ?? SpecDefaults.Epsilon,
                GradientClip: m.Number("grad-clip"));
        }

        private static EquatableArray<PhaseSpec> ReadPhases(ReadContext context, MappingReader root)
        {
            var node = root.Optional("phases");
            if (node is null) return EquatableArray<PhaseSpec>.Empty;
            var placeholder = new PhaseSpec("", 1, EquatableArray<string>.Empty, EquatableArray<GroupRate>.Empty, ScheduleSpec.Constant, null);
            return ReadList(context, node, "phases", "a list of phases", placeholder, (item, path) => ReadPhase(context, item, path));
        }

        private static PhaseSpec? ReadPhase(ReadContext context, YamlNode node, string path)
        {
            if (node is not YamlMappingNode mapping)
            {
                Values.WrongType(context, node, path, "a phase mapping with name, epochs and train");
                return null;
            }
            var m = new MappingReader(context, mapping, path, null, SpecGrammar.KeyNames("phases[]"));
            var name = m.String("name", required: true) ?? "";
            var epochs = m.Int("epochs", required: true) ?? 1;
            var trainNode = m.Required("train", "a list of groups");
            EquatableArray<string> train;
            if (trainNode is YamlScalarNode)
                train = Values.String(context, trainNode, path + ".train") is { } single ? EquatableArray.Create(single) : EquatableArray<string>.Empty;
            else
                train = trainNode is null ? EquatableArray<string>.Empty : ReadStrings(context, trainNode, path + ".train", "a list of groups");

            return new PhaseSpec(
                Name: name,
                Epochs: epochs,
                Train: train,
                LearningRates: ReadRates(context, m.Optional("lr"), path + ".lr"),
                Schedule: ReadSchedule(context, m.Optional("schedule"), path + ".schedule"),
                BatchNorm: m.Enum("batch-norm", SpecNames.BatchNormPolicies))
            {
                FeatureCache = m.Bool("feature-cache"),
            };
        }

        private static EquatableArray<GroupRate> ReadRates(ReadContext context, YamlNode? node, string path)
        {
            if (node is null) return EquatableArray<GroupRate>.Empty;
            if (node is YamlScalarNode)
            {
                var rate = Values.Number(context, node, path);
                return rate is null ? EquatableArray<GroupRate>.Empty : EquatableArray.Create(new GroupRate(null, rate.Value));
            }
            if (node is not YamlMappingNode mapping)
            {
                Values.WrongType(context, node, path, "a number or a mapping of group names to numbers");
                return EquatableArray<GroupRate>.Empty;
            }
            var rates = new List<GroupRate>();
            foreach (var (key, group, value) in NamedEntries(context, mapping, path))
            {
                var ratePath = path + "." + group;
                context.Record(ratePath + ".$key", key);
                context.Record(ratePath, value);
                var rate = Values.Number(context, value, ratePath);
                if (rate is not null) rates.Add(new GroupRate(group, rate.Value));
            }
            return rates.ToEquatableArray();
        }

        private static ScheduleSpec ReadSchedule(ReadContext context, YamlNode? node, string path)
        {
            var defaults = ScheduleSpec.Constant;
            if (node is null) return defaults;
            if (node is YamlScalarNode)
            {
                var kind = Values.Enum(context, node, path, SpecNames.Schedules);
                return kind is null ? defaults : defaults with { Kind = kind.Value };
            }
            if (!TryOneKey(context, node, path, "a schedule name or a one-key mapping such as {cosine: {warmup-ratio: 0.1}}", out var key, out var value))
                return defaults;
            var named = Values.Enum(context, key, path, SpecNames.Schedules);
            if (named is null) return defaults;

            var m = Options(context, value, path, "'" + path + "." + key.Value + "'", SpecGrammar.KeyNames("phases[].schedule", key.Value));
            if (m is null) return defaults with { Kind = named.Value };
            return new ScheduleSpec(
                Kind: named.Value,
                StepSize: m.Int("step-size") ?? defaults.StepSize,
                Gamma: m.Number("gamma") ?? defaults.Gamma,
                MinLearningRateFactor: m.Number("min-lr-factor") ?? defaults.MinLearningRateFactor,
                WarmupSteps: m.Int("warmup-steps"),
                WarmupRatio: m.Number("warmup-ratio"),
                PctStart: m.Number("pct-start") ?? defaults.PctStart);
        }

        private static EarlyStoppingSpec? ReadEarlyStopping(MappingReader root)
        {
            var m = root.Mapping("early-stopping", required: false, SpecGrammar.KeyNames("early-stopping"));
            if (m is null) return null;
            return new EarlyStoppingSpec(
                Monitor: m.String("monitor") ?? SpecDefaults.Monitor,
                Mode: m.Enum("mode", SpecNames.MonitorModes),
                Patience: m.Int("patience") ?? SpecDefaults.Patience,
                MinDelta: m.Number("min-delta") ?? SpecDefaults.MinDelta,
                RestoreBest: m.Bool("restore-best") ?? SpecDefaults.RestoreBest);
        }

        private static RegularizationSpec? ReadRegularization(MappingReader root)
        {
            var m = root.Mapping("regularization", required: false, SpecGrammar.KeyNames("regularization"));
            if (m is null) return null;
            return new RegularizationSpec(m.Number("l2-sp", required: true) ?? 0);
        }

        /// <summary>
        /// The options mapping of a one-key form like `{adam: {lr: 1e-3}}`, read with the flat path
        /// (`optimizer.lr`, not `optimizer.adam.lr`) so consumers need not know the kind to find a value.
        /// </summary>
        private static MappingReader? Options(ReadContext context, YamlNode value, string path, string display, string[] keys)
        {
            if (ReadContext.IsNull(value)) return null;
            if (value is YamlMappingNode mapping) return new MappingReader(context, mapping, path, display, keys);
            Values.WrongType(context, value, display.Trim('\''), "a mapping of options");
            return null;
        }

        private static bool TryOneKey(ReadContext context, YamlNode node, string path, string expected, out YamlScalarNode key, out YamlNode value)
        {
            if (node is YamlMappingNode { Children.Count: 1 } mapping)
            {
                var entry = mapping.Children.First();
                if (entry.Key is YamlScalarNode scalar && !ReadContext.IsNull(scalar))
                {
                    key = scalar;
                    value = entry.Value;
                    return true;
                }
            }
            Values.WrongType(context, node, path, expected);
            key = null!;
            value = null!;
            return false;
        }

        /// <summary>Entries of a mapping whose keys are user-chosen names (groups, per-group rates).</summary>
        private static IEnumerable<(YamlScalarNode Key, string Name, YamlNode Value)> NamedEntries(ReadContext context, YamlMappingNode mapping, string path)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in mapping.Children)
            {
                if (entry.Key is not YamlScalarNode key || ReadContext.IsNull(key))
                {
                    context.Fail(path, SpecDiagnostics.WrongType, context.SpanOf(entry.Key), "a key in '" + path + "'", "a name", ReadContext.Describe(entry.Key));
                    continue;
                }
                var name = key.Value ?? "";
                if (!seen.Add(name))
                {
                    context.Fail(path + "." + name, SpecDiagnostics.DuplicateKey, context.SpanOf(key), name);
                    continue;
                }
                yield return (key, name, entry.Value);
            }
        }

        /// <summary>A list of records; an unreadable item is replaced by <paramref name="placeholder"/> so later items keep their index.</summary>
        private static EquatableArray<T> ReadList<T>(ReadContext context, YamlNode? node, string path, string expected, T placeholder, Func<YamlNode, string, T?> item)
            where T : class
        {
            if (node is null) return EquatableArray<T>.Empty;
            if (node is not YamlSequenceNode sequence)
            {
                Values.WrongType(context, node, path, expected);
                return EquatableArray<T>.Empty;
            }
            var items = new List<T>();
            for (int i = 0; i < sequence.Children.Count; i++)
            {
                var itemPath = path + "[" + i + "]";
                context.Record(itemPath, sequence.Children[i]);
                items.Add(item(sequence.Children[i], itemPath) ?? placeholder);
            }
            return items.ToEquatableArray();
        }

        private static EquatableArray<MetricKind> ReadMetrics(ReadContext context, YamlNode? node, string path, string expected, Func<YamlNode, string, MetricKind?> item) =>
            node is null ? EquatableArray<MetricKind>.Empty : Values.List(context, node, path, expected, item);

        private static EquatableArray<string> ReadStrings(ReadContext context, YamlNode node, string path, string expected) =>
            ReadList(context, node, path, expected, "", (item, itemPath) => Values.String(context, item, itemPath));
    }
}
