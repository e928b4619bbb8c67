using System.Collections.Generic;
using System.Linq;

namespace SpecTune.Spec
{
    /// <summary>
    /// At most <see cref="MaxPerSpec"/> diagnostics per spec, then one SPT0027 saying how many more there were
    /// (an error when any of those is one), so a hostile spec cannot flood a build or an IDE.
    /// </summary>
    public static class DiagnosticLimit
    {
        public const int MaxPerSpec = 100;

        /// <summary>The first <see cref="MaxPerSpec"/> of <paramref name="ordered"/>, plus SPT0027 at the first one left out.</summary>
        public static EquatableArray<SpecDiagnostic> Cap(IEnumerable<SpecDiagnostic> ordered)
        {
            var all = ordered as IReadOnlyList<SpecDiagnostic> ?? ordered.ToList();
            if (all.Count <= MaxPerSpec) return all.ToEquatableArray();
            var kept = all.Take(MaxPerSpec).ToList();
            var first = all[MaxPerSpec];
            bool errors = false;
            for (int i = MaxPerSpec; i < all.Count && !errors; i++) errors = all[i].IsError;
            var more = SpecDiagnostics.MoreDiagnostics.Create(first.FilePath, first.Span, all.Count - MaxPerSpec);
            kept.Add(errors ? more : more with { Severity = SpecSeverity.Warning });
            return kept.ToEquatableArray();
        }
    }
}
