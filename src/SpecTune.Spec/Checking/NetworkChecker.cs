using System;
using System.Collections.Generic;
using System.Linq;

namespace SpecTune.Spec
{
    /// <summary>
    /// The SPT02xx checks that need the base network's parameter names, made at compile time from
    /// <see cref="ArchitectureCatalog"/>: each group pattern must match a parameter on its own (SPT0200),
    /// no parameter may be claimed by two groups (SPT0201), no pattern may reach into the head (SPT0202).
    /// The runtime makes the same checks against the built network (ParameterGroups.Resolve).
    /// </summary>
    public static class NetworkChecker
    {
        /// <summary>Checks <paramref name="spec"/>'s groups against its architecture's names; empty when the architecture is unknown.</summary>
        public static EquatableArray<SpecDiagnostic> Check(FineTuneSpec spec)
        {
            var names = ArchitectureCatalog.ParameterNames(spec.Base, spec.Head);
            var diagnostics = new List<SpecDiagnostic>();
            if (names is null) return diagnostics.ToEquatableArray();
            var headPrefix = ArchitectureCatalog.HeadSlot + ".";
            var claims = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var group in spec.Groups)
            {
                if (group.Name is "head" or "base") continue; // SPT0102, reported by SpecChecker
                for (int p = 0; p < group.Patterns.Count; p++)
                {
                    var pattern = group.Patterns[p];
                    var span = spec.Locations.Find("groups." + group.Name + "[" + p + "]");
                    var matched = names.Where(n => ArchitectureCatalog.GlobMatches(pattern, n)).ToList();
                    if (matched.Count == 0)
                    {
                        diagnostics.Add(SpecDiagnostics.PatternMatchesNothing.Create(spec.SourcePath, span,
                            pattern, group.Name, spec.Base.Architecture, Examples(names)));
                        continue;
                    }
                    var intoHead = matched.FirstOrDefault(n => n.StartsWith(headPrefix, StringComparison.Ordinal));
                    if (intoHead is not null)
                        diagnostics.Add(SpecDiagnostics.PatternMatchesHead.Create(spec.SourcePath, span, pattern, group.Name, intoHead));
                    foreach (var name in matched.Where(n => !n.StartsWith(headPrefix, StringComparison.Ordinal)))
                    {
                        if (!claims.TryGetValue(name, out var owner)) claims[name] = group.Name;
                        else if (owner != group.Name)
                        {
                            // One diagnostic per pattern is enough to point at the overlap.
                            diagnostics.Add(SpecDiagnostics.ParameterClaimedTwice.Create(spec.SourcePath, span, name, owner, group.Name));
                            break;
                        }
                    }
                }
            }
            return diagnostics.ToEquatableArray();
        }

        /// <summary>True when some base parameter is claimed by no group (so the implicit group `base` exists).</summary>
        public static bool HasUnclaimedBaseParameters(FineTuneSpec spec)
        {
            var names = ArchitectureCatalog.BaseParameterNames(spec.Base);
            if (names is null) return true;
            return names.Any(n => !spec.Groups.Any(g => g.Patterns.Any(p => ArchitectureCatalog.GlobMatches(p, n))));
        }

        private static string Examples(IReadOnlyList<string> names) =>
            string.Join(", ", names.Take(3)) + (names.Count > 3 ? ", ..." : "");
    }
}
