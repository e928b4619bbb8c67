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
        public static SourceSpan None => default;

        /// <summary>1-based line and column, as shown to people: `path(line,col)`.</summary>
        public string ToDisplayString() => $"({StartLine + 1},{StartColumn + 1})";
    }

    /// <summary>One value's location, by its spec path (e.g. `phases[1].lr.body`).</summary>
    public readonly record struct SourceLocation(string SpecPath, SourceSpan Span);

    /// <summary>Where each value of a spec was written. Equatable; lookups fall back to the nearest enclosing path.</summary>
    public sealed record SourceMap(EquatableArray<SourceLocation> Entries)
    {
        public static SourceMap Empty { get; } = new SourceMap(EquatableArray<SourceLocation>.Empty);

        /// <summary>The span of <paramref name="specPath"/>, or of its closest recorded ancestor (the root is ``), or <see cref="SourceSpan.None"/>.</summary>
        public SourceSpan Find(string specPath)
        {
            var path = specPath;
            while (true)
            {
                foreach (var entry in Entries)
                    if (entry.SpecPath == path) return entry.Span;
                if (path.Length == 0) return SourceSpan.None;
                var cut = System.Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
                // The root mapping is recorded under "", so a value absent from the file (a default) is located at the spec itself.
                path = cut <= 0 ? "" : path.Substring(0, cut);
            }
        }

        public IEnumerable<string> Paths => Entries.Select(e => e.SpecPath);
    }
}
