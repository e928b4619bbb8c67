using System;
using System.Collections.Generic;
using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SpecTune.Spec
{
    /// <summary>
    /// State of one read: the text (for spans), the diagnostics and locations collected so far, and
    /// the spec paths whose value could not be read, so the checker can skip rules that depend on them.
    /// </summary>
    internal sealed class ReadContext
    {
        private readonly string _text;
        private readonly int[] _lineStarts;
        private readonly Dictionary<YamlNode, SourceSpan> _spans = new Dictionary<YamlNode, SourceSpan>(ReferenceEqualityComparer.Instance);

        public ReadContext(string text, string? path)
        {
            _text = text;
            Path = path;
            _lineStarts = ComputeLineStarts(text);
        }

        public string? Path { get; }

        public List<SpecDiagnostic> Diagnostics { get; } = new List<SpecDiagnostic>();

        public List<SourceLocation> Locations { get; } = new List<SourceLocation>();

        /// <summary>Spec paths whose value is missing or unreadable (a placeholder stands in the spec).</summary>
        public HashSet<string> Unreliable { get; } = new HashSet<string>(StringComparer.Ordinal);

        public void Report(SpecDiagnosticDescriptor descriptor, SourceSpan span, params object?[] args) =>
            Diagnostics.Add(descriptor.Create(Path, span, args));

        /// <summary>Reports an error about the value at <paramref name="specPath"/> and marks that path unreliable.</summary>
        public void Fail(string specPath, SpecDiagnosticDescriptor descriptor, SourceSpan span, params object?[] args)
        {
            Report(descriptor, span, args);
            Unreliable.Add(specPath);
        }

        public void Record(string specPath, YamlNode node) => Locations.Add(new SourceLocation(specPath, SpanOf(node)));

        /// <summary>
        /// The node's span. YamlDotNet gives a mapping or sequence an empty span at its start, so a
        /// collection ends where its last descendant ends (plus a flow collection's closing bracket).
        /// </summary>
        public SourceSpan SpanOf(YamlNode node)
        {
            if (_spans.TryGetValue(node, out var cached)) return cached;
            int start = Clamp((int)node.Start.Index);
            int end = Math.Max(start, Clamp((int)node.End.Index));
            var children = node switch
            {
                YamlMappingNode mapping => Flatten(mapping),
                YamlSequenceNode sequence => sequence.Children,
                _ => null,
            };
            if (children is not null)
            {
                // Provisional entry first: an alias may make a node its own descendant.
                _spans[node] = SpanFromOffsets(start, end);
                foreach (var child in children)
                    end = Math.Max(end, SpanOf(child).EndOffset);
                bool flow = node is YamlMappingNode { Style: YamlDotNet.Core.Events.MappingStyle.Flow }
                    || node is YamlSequenceNode { Style: YamlDotNet.Core.Events.SequenceStyle.Flow };
                if (flow) end = IncludeCloser(end, node is YamlMappingNode ? '}' : ']', start);
            }
            var span = SpanFromOffsets(start, end);
            _spans[node] = span;
            return span;
        }

        public SourceSpan SpanAt(Mark start, Mark end)
        {
            int s = Clamp((int)start.Index);
            return SpanFromOffsets(s, Math.Max(s, Clamp((int)end.Index)));
        }

        public SourceSpan SpanFromOffsets(int start, int end)
        {
            var (startLine, startColumn) = LineColumn(start);
            var (endLine, endColumn) = LineColumn(end);
            return new SourceSpan(start, end, startLine, startColumn, endLine, endColumn);
        }

        /// <summary>How a wrong value is described in a message: "a list", "the text 'abc'", ...</summary>
        public static string Describe(YamlNode node) => node switch
        {
            YamlMappingNode => "a mapping",
            YamlSequenceNode => "a list",
            YamlScalarNode scalar when IsNull(scalar) => "empty",
            YamlScalarNode scalar => "'" + Shorten(scalar.Value ?? "") + "'",
            _ => "an unsupported node",
        };

        public static bool IsNull(YamlNode node) =>
            node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } scalar
            && (scalar.Value is null || scalar.Value.Length == 0 || scalar.Value == "~"
                || scalar.Value == "null" || scalar.Value == "Null" || scalar.Value == "NULL");

        /// <summary>True for plain, untagged-or-non-string scalars: quoted "32" is text, not a number.</summary>
        public static bool IsPlain(YamlScalarNode scalar) =>
            (scalar.Style == ScalarStyle.Plain || scalar.Style == ScalarStyle.Any)
            && (scalar.Tag.IsEmpty || scalar.Tag.IsNonSpecific || scalar.Tag.Value != "tag:yaml.org,2002:str");

        public static bool TryInt(YamlScalarNode scalar, out int value)
        {
            value = 0;
            return IsPlain(scalar) && int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
        }

        public static bool TryDouble(YamlScalarNode scalar, out double value)
        {
            value = 0;
            return IsPlain(scalar)
                && double.TryParse(scalar.Value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out value)
                && !double.IsInfinity(value) && !double.IsNaN(value);
        }

        public static bool TryBool(YamlScalarNode scalar, out bool value)
        {
            value = false;
            if (!IsPlain(scalar)) return false;
            switch (scalar.Value)
            {
                case "true": case "True": case "TRUE": value = true; return true;
                case "false": case "False": case "FALSE": value = false; return true;
                default: return false;
            }
        }

        private static IEnumerable<YamlNode> Flatten(YamlMappingNode mapping)
        {
            foreach (var entry in mapping.Children)
            {
                yield return entry.Key;
                yield return entry.Value;
            }
        }

        private int IncludeCloser(int end, char closer, int start)
        {
            int i = Math.Max(end, start + 1);
            while (i < _text.Length && (char.IsWhiteSpace(_text[i]) || _text[i] == ',')) i++;
            return i < _text.Length && _text[i] == closer ? i + 1 : end;
        }

        private int Clamp(int offset) => Math.Max(0, Math.Min(_text.Length, offset));

        private (int Line, int Column) LineColumn(int offset)
        {
            int line = Array.BinarySearch(_lineStarts, offset);
            if (line < 0) line = ~line - 1;
            return (line, offset - _lineStarts[line]);
        }

        private static int[] ComputeLineStarts(string text)
        {
            // YAML breaks lines at LF, CRLF and CR; spans count lines the same way.
            var starts = new List<int> { 0 };
            for (int i = 0; i < text.Length; i++)
            {
                if (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n') continue;
                if (text[i] == '\n' || text[i] == '\r') starts.Add(i + 1);
            }
            return starts.ToArray();
        }

        private static string Shorten(string value) => value.Length <= 40 ? value : value.Substring(0, 37) + "...";

        private sealed class ReferenceEqualityComparer : IEqualityComparer<YamlNode>
        {
            public static ReferenceEqualityComparer Instance { get; } = new ReferenceEqualityComparer();

            public bool Equals(YamlNode? x, YamlNode? y) => ReferenceEquals(x, y);

            public int GetHashCode(YamlNode obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
        }
    }
}
