using System;
using System.Collections.Generic;
using System.Linq;

namespace SpecTune.Spec
{
    /// <summary>
    /// The one assignment of parameter names to groups, used by the checker (names from <see cref="ArchitectureCatalog"/>)
    /// and the runtime (ParameterGroups.Resolve, names from the built network): each pattern must match a parameter on
    /// its own (SPT0200), no parameter may be claimed by two groups (SPT0201, once per pattern), no pattern may reach into
    /// the head (SPT0202). Unclaimed base parameters form the implicit group `base`; the head slot's form `head`.
    /// </summary>
    public sealed class GroupResolution
    {
        public const string HeadGroup = "head";
        public const string ImplicitBaseGroup = "base";

        private GroupResolution(Dictionary<string, List<string>> members, List<string> unclaimed, List<string> head, List<SpecDiagnostic> problems)
        {
            Members = members.ToDictionary(m => m.Key, m => (IReadOnlyList<string>)m.Value, StringComparer.Ordinal);
            Unclaimed = unclaimed;
            Head = head;
            Problems = problems.ToEquatableArray();
        }

        /// <summary>The names each declared group claims, in parameter order.</summary>
        public IReadOnlyDictionary<string, IReadOnlyList<string>> Members { get; }

        /// <summary>Base parameters no group claims (the implicit group `base`).</summary>
        public IReadOnlyList<string> Unclaimed { get; }

        /// <summary>The head's parameters.</summary>
        public IReadOnlyList<string> Head { get; }

        /// <summary>SPT0200-0202, located at the offending pattern; reserved group names are skipped (SpecChecker reports SPT0102).</summary>
        public EquatableArray<SpecDiagnostic> Problems { get; }

        /// <param name="spec">The spec whose groups are resolved.</param>
        /// <param name="parameterNames">Every parameter's full name, base and head.</param>
        /// <param name="headSlot">The module the head sits in.</param>
        /// <param name="baseName">How messages name the base (architecture or ONNX file).</param>
        public static GroupResolution Resolve(FineTuneSpec spec, IReadOnlyList<string> parameterNames, string headSlot, string baseName)
        {
            var headPrefix = headSlot + ".";
            bool InHead(string name) => name.StartsWith(headPrefix, StringComparison.Ordinal);
            var claims = new Dictionary<string, string>(StringComparer.Ordinal);
            var members = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            var problems = new List<SpecDiagnostic>();
            foreach (var group in spec.Groups)
            {
                if (group.Name is HeadGroup or ImplicitBaseGroup) continue;
                if (!members.TryGetValue(group.Name, out var owned)) members[group.Name] = owned = new List<string>();
                for (int p = 0; p < group.Patterns.Count; p++)
                {
                    var pattern = group.Patterns[p];
                    var span = spec.Locations.Find("groups." + group.Name + "[" + p + "]");
                    var matched = parameterNames.Where(n => Glob.Matches(pattern, n)).ToList();
                    if (matched.Count == 0)
                    {
                        problems.Add(SpecDiagnostics.PatternMatchesNothing.Create(spec.SourcePath, span, pattern, group.Name, baseName, Examples(parameterNames)));
                        continue;
                    }
                    var intoHead = matched.FirstOrDefault(InHead);
                    if (intoHead is not null)
                        problems.Add(SpecDiagnostics.PatternMatchesHead.Create(spec.SourcePath, span, pattern, group.Name, intoHead));
                    foreach (var name in matched.Where(n => !InHead(n)))
                    {
                        if (!claims.TryGetValue(name, out var owner))
                        {
                            claims[name] = group.Name;
                            owned.Add(name);
                        }
                        else if (owner != group.Name)
                        {
                            // One diagnostic per pattern is enough to point at the overlap.
                            problems.Add(SpecDiagnostics.ParameterClaimedTwice.Create(spec.SourcePath, span, name, owner, group.Name));
                            break;
                        }
                    }
                }
            }
            var unclaimed = parameterNames.Where(n => !InHead(n) && !claims.ContainsKey(n)).ToList();
            var head = parameterNames.Where(InHead).ToList();
            return new GroupResolution(members, unclaimed, head, problems);
        }

        private static string Examples(IReadOnlyList<string> names) =>
            string.Join(", ", names.Take(3)) + (names.Count > 3 ? ", ..." : "");
    }
}
