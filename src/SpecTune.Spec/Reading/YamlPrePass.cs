using System;
using System.Collections.Generic;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace SpecTune.Spec
{
    /// <summary>
    /// Reads the text once as YAML events, before YamlDotNet's representation model sees it, and rejects what
    /// that model cannot survive or a spec never needs: a file over <see cref="MaxTextLength"/>, recursive and
    /// undefined aliases, keys that are lists or mappings (YamlDotNet hashes keys by value: a recursive key
    /// overflows the stack, an alias bomb as a key takes seconds), alias expansion beyond
    /// <see cref="MaxAliasExpansion"/> values, nesting deeper than <see cref="MaxDepth"/>, and tags other than
    /// the core schema's. A syntax error is reported here too, always at a line and column.
    /// </summary>
    internal static class YamlPrePass
    {
        /// <summary>The largest spec file read, in characters (a real spec is a few kilobytes).</summary>
        public const int MaxTextLength = 1 << 20;

        /// <summary>The most values aliases may add by expansion, over the whole file.</summary>
        public const int MaxAliasExpansion = 10_000;

        /// <summary>The deepest nesting of lists and mappings, aliases expanded (the grammar needs six).</summary>
        public const int MaxDepth = 64;

        private const int MaxReported = 20;

        private static readonly HashSet<string> CoreTags = new HashSet<string>(StringComparer.Ordinal)
        {
            "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
            "tag:yaml.org,2002:null", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map",
        };

        /// <summary>Checks <paramref name="text"/>; true when it is safe to load (nothing was reported).</summary>
        public static bool Check(ReadContext context, string text)
        {
            if (text.Length > MaxTextLength)
            {
                context.Report(SpecDiagnostics.SpecTooLarge, context.SpanFromOffsets(0, 0), text.Length, MaxTextLength);
                return false;
            }
            var pass = new Pass(context);
            int before = context.Diagnostics.Count;
            var parser = YamlParsing.CreateParser(text);
            try
            {
                while (parser.MoveNext() && context.Diagnostics.Count - before < MaxReported)
                    pass.Visit(parser.Current!);
            }
            catch (YamlException exception)
            {
                ReportSyntax(context, text, pass, exception.Start, exception.End, exception.Message);
            }
            catch (Exception exception) when (exception is InvalidOperationException || exception is ArgumentException)
            {
                // YamlDotNet fails on some malformed inputs (an unclosed flow list followed by a key) without a mark.
                ReportSyntax(context, text, pass, Mark.Empty, Mark.Empty, null);
            }
            return context.Diagnostics.Count == before;
        }

        private static void ReportSyntax(ReadContext context, string text, Pass pass, Mark start, Mark end, string? message)
        {
            bool located = start.Index > 0 || end.Index > 0 || (message is not null && pass.LastGoodEnd == 0);
            if (located)
            {
                context.Report(SpecDiagnostics.YamlSyntax, context.SpanAt(start, end), message);
                return;
            }
            int at = pass.LastGoodEnd;
            if (message is not null && message.IndexOf("tab", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                int tab = IndentationTab(text, at);
                context.Report(SpecDiagnostics.YamlSyntax, context.SpanFromOffsets(tab, tab + 1 > text.Length ? tab : tab + 1),
                    "a tab in the indentation; YAML indents with spaces only");
                return;
            }
            var open = pass.InnermostFlow();
            var what = open is null
                ? "the text after this point is not valid YAML"
                : "the " + (open.Value.IsMapping ? "'{' " : "'[' ") + "opened at line " + (open.Value.Start.Line) + ", column " + open.Value.Start.Column
                    + " is not closed: expected ',' or '" + (open.Value.IsMapping ? "}" : "]") + "' here";
            context.Report(SpecDiagnostics.YamlSyntax, context.SpanFromOffsets(at, at), message is null ? what : message + " (" + what + ")");
        }

        /// <summary>The first tab in a line's leading whitespace, from the line holding <paramref name="from"/> on.</summary>
        private static int IndentationTab(string text, int from)
        {
            int lineStart = from;
            while (lineStart > 0 && text[lineStart - 1] != '\n' && text[lineStart - 1] != '\r') lineStart--;
            bool leading = true;
            for (int i = lineStart; i < text.Length; i++)
            {
                char c = text[i];
                if (c == '\n' || c == '\r') leading = true;
                else if (c == '\t' && leading) return i;
                else if (c != ' ') leading = false;
            }
            return from;
        }

        private readonly struct Frame
        {
            public Frame(bool isMapping, bool flow, string? anchor, Mark start, int depth)
            {
                IsMapping = isMapping;
                Flow = flow;
                Anchor = anchor;
                Start = start;
                Depth = depth;
            }

            public bool IsMapping { get; }
            public bool Flow { get; }
            public string? Anchor { get; }
            public Mark Start { get; }
            /// <summary>Nesting depth of this collection (1 for the root), aliases expanded.</summary>
            public int Depth { get; }
        }

        private sealed class AnchorInfo
        {
            /// <summary>Values the anchored node holds, itself included, aliases expanded.</summary>
            public long Size;
            /// <summary>How deep the anchored node nests below itself (0 for a scalar).</summary>
            public int Height;
            public bool IsCollection;
        }

        private sealed class Pass
        {
            private readonly ReadContext _context;
            private readonly List<Frame> _frames = new List<Frame>();
            // Per open frame: values inside so far, the deepest expanded depth reached below it, and (mappings) the entry count.
            private readonly List<long> _sizes = new List<long>();
            private readonly List<int> _heights = new List<int>();
            private readonly List<int> _entries = new List<int>();
            private readonly Dictionary<string, AnchorInfo> _anchors = new Dictionary<string, AnchorInfo>(StringComparer.Ordinal);
            private long _expanded; // values added by aliases so far
            private bool _expansionReported, _depthReported;

            public Pass(ReadContext context) => _context = context;

            /// <summary>Offset where the last well-formed event ends.</summary>
            public int LastGoodEnd { get; private set; }

            public Frame? InnermostFlow()
            {
                for (int i = _frames.Count - 1; i >= 0; i--)
                    if (_frames[i].Flow) return _frames[i];
                return null;
            }

            public void Visit(ParsingEvent e)
            {
                switch (e)
                {
                    case Scalar scalar:
                        CheckTag(scalar);
                        Add(1, 0);
                        if (!scalar.Anchor.IsEmpty) Define(scalar.Anchor.Value, new AnchorInfo { Size = 1 });
                        break;
                    case AnchorAlias alias:
                        VisitAlias(alias);
                        break;
                    case MappingStart mapping:
                        Open(mapping, true, mapping.Style == MappingStyle.Flow);
                        break;
                    case SequenceStart sequence:
                        Open(sequence, false, sequence.Style == SequenceStyle.Flow);
                        break;
                    case MappingEnd:
                    case SequenceEnd:
                        Close();
                        break;
                }
                LastGoodEnd = Math.Max(LastGoodEnd, (int)Math.Min(int.MaxValue, e.End.Index));
            }

            private void Open(NodeEvent node, bool isMapping, bool flow)
            {
                CheckTag(node);
                if (AtKey())
                    _context.Report(SpecDiagnostics.ComplexKey, Span(node), isMapping ? "a mapping" : "a list");
                int depth = _frames.Count + 1;
                if (depth > MaxDepth && !_depthReported)
                {
                    _depthReported = true;
                    _context.Report(SpecDiagnostics.NestingTooDeep, Span(node), MaxDepth);
                }
                if (!node.Anchor.IsEmpty) Supersede(node.Anchor.Value);
                _frames.Add(new Frame(isMapping, flow, node.Anchor.IsEmpty ? null : node.Anchor.Value, node.Start, depth));
                _sizes.Add(1);
                _heights.Add(0);
                _entries.Add(0);
            }

            private void Close()
            {
                int top = _frames.Count - 1;
                if (top < 0) return;
                var frame = _frames[top];
                long size = _sizes[top];
                int height = _heights[top];
                _frames.RemoveAt(top);
                _sizes.RemoveAt(top);
                _heights.RemoveAt(top);
                _entries.RemoveAt(top);
                if (frame.Anchor is not null) _anchors[frame.Anchor] = new AnchorInfo { Size = size, Height = height, IsCollection = true };
                // The closed collection counts as one value of its parent, with everything inside it.
                if (_frames.Count > 0)
                {
                    _sizes[_frames.Count - 1] += size;
                    _heights[_frames.Count - 1] = Math.Max(_heights[_frames.Count - 1], height + 1);
                    CountEntry();
                }
            }

            private void VisitAlias(AnchorAlias alias)
            {
                var name = alias.Value.Value;
                bool atKey = AtKey();
                foreach (var frame in _frames)
                {
                    if (frame.Anchor == name)
                    {
                        _context.Report(SpecDiagnostics.RecursiveAlias, Span(alias), name);
                        Add(1, 0);
                        return;
                    }
                }
                if (!_anchors.TryGetValue(name, out var anchor))
                {
                    _context.Report(SpecDiagnostics.UndefinedAlias, Span(alias), name);
                    Add(1, 0);
                    return;
                }
                if (atKey && anchor.IsCollection)
                    _context.Report(SpecDiagnostics.ComplexKey, Span(alias), "an alias of a collection ('*" + name + "')");
                _expanded += anchor.Size;
                if (_expanded > MaxAliasExpansion && !_expansionReported)
                {
                    _expansionReported = true;
                    _context.Report(SpecDiagnostics.AliasExpansionTooLarge, Span(alias), MaxAliasExpansion);
                }
                if (_frames.Count + 1 + anchor.Height > MaxDepth && !_depthReported)
                {
                    _depthReported = true;
                    _context.Report(SpecDiagnostics.NestingTooDeep, Span(alias), MaxDepth);
                }
                Add(Math.Min(anchor.Size, MaxAliasExpansion + 1L), anchor.IsCollection ? anchor.Height + 1 : 0);
            }

            /// <summary>An anchor defined again names the later node from here on (YAML's rule), even inside the earlier one.</summary>
            private void Define(string name, AnchorInfo anchor)
            {
                Supersede(name);
                _anchors[name] = anchor;
            }

            private void Supersede(string name)
            {
                _anchors.Remove(name);
                for (int i = 0; i < _frames.Count; i++)
                {
                    var frame = _frames[i];
                    if (frame.Anchor == name) _frames[i] = new Frame(frame.IsMapping, frame.Flow, null, frame.Start, frame.Depth);
                }
            }

            /// <summary>True when the next value of the innermost mapping is a key.</summary>
            private bool AtKey() => _frames.Count > 0 && _frames[_frames.Count - 1].IsMapping && _entries[_entries.Count - 1] % 2 == 0;

            private void Add(long size, int height)
            {
                if (_frames.Count == 0) return;
                int top = _frames.Count - 1;
                _sizes[top] += size;
                _heights[top] = Math.Max(_heights[top], height);
                CountEntry();
            }

            private void CountEntry() => _entries[_entries.Count - 1]++;

            private void CheckTag(NodeEvent node)
            {
                var tag = node.Tag;
                if (tag.IsEmpty || tag.IsNonSpecific || CoreTags.Contains(tag.Value)) return;
                var shown = tag.Value.StartsWith("tag:yaml.org,2002:", StringComparison.Ordinal) ? "!!" + tag.Value.Substring(18) : tag.Value;
                var why = shown == "!!binary"
                    ? "a spec holds text, numbers and booleans; name a file by its path instead"
                    : "a spec uses only the core schema's tags (!!str, !!int, !!float, !!bool, !!null, !!seq, !!map)";
                _context.Report(SpecDiagnostics.UnsupportedTag, Span(node), shown, why);
            }

            private SourceSpan Span(ParsingEvent e) => _context.SpanAt(e.Start, e.End);
        }
    }
}
