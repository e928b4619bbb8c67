using System;
using System.Collections.Generic;
using System.Linq;
using SpecTune.Generators.Emitting;
using SpecTune.Spec;

namespace SpecTune.Generators.Parsing
{
    /// <summary>
    /// The checks both front ends share after reading: the checker's rules (run by the caller), the
    /// architecture checks (SPT0200-0202) and the generated-member name checks (SPT0125). Turns a read
    /// spec into a <see cref="ParsedSpec"/> whose model is null when any error was found.
    /// </summary>
    internal static class SpecFinisher
    {
        public static ParsedSpec Finish(FineTuneSpec? spec, IEnumerable<SpecDiagnostic> diagnostics, string accessibility)
        {
            var all = new List<SpecDiagnostic>(diagnostics);
            if (spec is not null && !all.Any(d => d.IsError))
            {
                all.AddRange(NetworkChecker.Check(spec));
                all.AddRange(CheckMemberNames(spec));
            }
            var ordered = DiagnosticLimit.Cap(all.OrderBy(d => d.FilePath, StringComparer.Ordinal).ThenBy(d => d.Span.StartOffset));
            if (spec is null) return new ParsedSpec(null, ordered);
            if (ordered.Any(d => d.IsError)) return new ParsedSpec(null, ordered, Skeleton: SkeletonFacts.FromSpec(spec, accessibility));
            var model = new SpecModel(spec with { SourcePath = null, Locations = SourceMap.Empty }, accessibility, NetworkChecker.HasUnclaimedBaseParameters(spec));
            var groups = spec.Groups.Select(g => new MemberSite(g.Name, MemberNames.Pascal(g.Name), spec.Locations.Find("groups." + g.Name + ".$key"))).ToEquatableArray();
            return new ParsedSpec(model, ordered, new NameSite(model.FullName, spec.SourcePath, spec.Locations.Find("name"), groups));
        }

        private static IEnumerable<SpecDiagnostic> CheckMemberNames(FineTuneSpec spec)
        {
            if (MemberNames.Reserved.Contains(spec.Name))
                yield return Collision(spec, "name", "Class", spec.Name, spec.Name, "is a member of the generated class");

            var members = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var group in spec.Groups)
            {
                var member = MemberNames.Pascal(group.Name);
                var path = "groups." + group.Name + ".$key";
                if (MemberNames.Reserved.Contains(member))
                    yield return Collision(spec, path, "Group", group.Name, member, "is already a member of the generated class");
                else if (member == spec.Name)
                    yield return Collision(spec, path, "Group", group.Name, member, "is the class's own name");
                else if (members.TryGetValue(member, out var other) && other != group.Name)
                    yield return Collision(spec, path, "Group", group.Name, member, "is also the member of group '" + other + "'");
                else members[member] = group.Name;
            }

            var phases = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < spec.Phases.Count; i++)
            {
                var name = spec.Phases[i].Name;
                var member = MemberNames.Pascal(name);
                var path = "phases[" + i + "].name";
                if (member == "Phase")
                    yield return Collision(spec, path, "Phase", name, member, "is the name of the enum itself");
                else if (phases.TryGetValue(member, out var other) && other != name)
                    yield return Collision(spec, path, "Phase", name, member, "is also the member of phase '" + other + "'");
                else phases[member] = name;
            }
        }

        private static SpecDiagnostic Collision(FineTuneSpec spec, string path, string kind, string name, string member, string reason) =>
            SpecDiagnostics.MemberNameCollision.Create(spec.SourcePath, spec.Locations.Find(path), kind, name, member, reason);
    }
}
