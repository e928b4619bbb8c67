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
    /// diagnostic. docs/spec.md documents the grammar; its keys and defaults come from <see cref="SpecGrammar"/> and
    /// <see cref="SpecDefaults"/>. This file holds the entry point and the shared shapes; SpecSections.cs reads each section.
    /// </summary>
    public static partial class SpecYamlReader
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
