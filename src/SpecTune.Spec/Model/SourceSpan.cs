using System.Collections.Generic;
using System.Linq;

namespace SpecTune.Spec
{
    /// <summary>
    /// A region of a source file: 0-based offsets, lines and columns (Roslyn's TextSpan and
    /// LinePositionSpan are built from these only when a diagnostic is reported).
    /// </summary>
    public readonly record struct SourceSpan(int StartOffset, int EndOffset, int StartLine, int StartColumn, int EndLine, int EndColumn)
    {
        /// <summary>No place in the file (offsets -1). A zero-length span at offset 0 is a real place: line 1, column 1.</summary>
        public static SourceSpan None { get; } = new SourceSpan(-1, -1, -1, -1, -1, -1);

        /// <summary>True for <see cref="None"/> (and any span with a negative start, which no reader makes).</summary>
        public bool IsNone => StartOffset < 0;

        /// <summary>1-based line and column, as shown to people: `path(line,col)`.</summary>
        public string ToDisplayString() => $"({StartLine + 1},{StartColumn + 1})";
    }

    /// <summary>One value's location, by its spec path (e.g. `phases[1].lr.body`).</summary>
    public readonly record struct SourceLocation(string SpecPath, SourceSpan Span);

    /// <summary>Where each value of a spec was written. Equatable; lookups fall back to the nearest enclosing path.</summary>
    public sealed record SourceMap(EquatableArray<SourceLocation> Entries)
    {
        // The index is built on the first lookup and kept beside the map (not in it), so equality still compares only the entries.
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SourceMap, Dictionary<string, SourceSpan>> Indexes =
            new System.Runtime.CompilerServices.ConditionalWeakTable<SourceMap, Dictionary<string, SourceSpan>>();

        public static SourceMap Empty { get; } = new SourceMap(EquatableArray<SourceLocation>.Empty);

        /// <summary>The span of <paramref name="specPath"/>, or of its closest recorded ancestor (the root is ``), or <see cref="SourceSpan.None"/>.</summary>
        /// <remarks>Constant time per path segment: the first lookup indexes the entries (the first entry of a repeated path wins).</remarks>
        public SourceSpan Find(string specPath)
        {
            var index = Indexes.GetValue(this, map => map.BuildIndex());
            var path = specPath;
            while (true)
            {
                if (index.TryGetValue(path, out var span)) return span;
                if (path.Length == 0) return SourceSpan.None;
                var cut = System.Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
                // The root mapping is recorded under "", so a value absent from the file (a default) is located at the spec itself.
                path = cut <= 0 ? "" : path.Substring(0, cut);
            }
        }

        public IEnumerable<string> Paths => Entries.Select(e => e.SpecPath);

        private Dictionary<string, SourceSpan> BuildIndex()
        {
            var index = new Dictionary<string, SourceSpan>(System.StringComparer.Ordinal);
            foreach (var entry in Entries)
                if (!index.ContainsKey(entry.SpecPath)) index.Add(entry.SpecPath, entry.Span);
            return index;
        }
    }
}
