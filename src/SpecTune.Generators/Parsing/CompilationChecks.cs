using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using SpecTune.Spec;

namespace SpecTune.Generators.Parsing
{
    /// <summary>
    /// The name checks that need the compilation, so that every spec that passes them compiles: the generated class's
    /// full name must be free (SPT0152: not a type of SpecTune or of the generator's own output, not a top-level namespace,
    /// and no global type `SpecTune` may hide SpecTune's namespace), and no group property may hide a member of the base
    /// class (read from the compilation's FineTuneModel, so the list follows the runtime) or repeat a member the user
    /// declared in their part of the class (SPT0125). Only plain data leaves: the result is a <see cref="ParsedSpec"/>.
    /// </summary>
    internal static class CompilationChecks
    {
        private const string Embedded = "Microsoft.CodeAnalysis.EmbeddedAttribute";

        public static ParsedSpec Apply(ParsedSpec parsed, Compilation compilation, CancellationToken cancellation)
        {
            if (parsed.Model is not { } model || parsed.NameSite is not { } site) return parsed;
            var found = new List<SpecDiagnostic>();
            var taken = Taken(compilation, model);
            if (taken is not null) found.Add(SpecDiagnostics.ClassNameTaken.Create(site.Path, site.Span, model.FullName, taken));

            var inherited = InheritedMembers(compilation);
            var declared = DeclaredMembers(compilation, model.FullName, cancellation);
            foreach (var group in site.Groups)
            {
                cancellation.ThrowIfCancellationRequested();
                if (inherited.Contains(group.Member))
                    found.Add(Collision(site, group, "is a member of the base class SpecTune.FineTuneModel"));
                else if (declared.TryGetValue(group.Member, out var where))
                    found.Add(Collision(site, group, "is also declared in your part of the class (" + where + ")"));
            }
            if (found.Count == 0) return parsed;
            var all = DiagnosticLimit.Cap(parsed.Diagnostics.Concat(found)
                .OrderBy(d => d.FilePath, StringComparer.Ordinal).ThenBy(d => d.Span.StartOffset));
            // A taken name would make the stand-in collide as well.
            var skeleton = taken is null ? SkeletonFacts.FromSpec(model.Spec, model.Accessibility) : null;
            return new ParsedSpec(null, all, null, skeleton);
        }

        private static SpecDiagnostic Collision(NameSite site, MemberSite group, string reason) =>
            SpecDiagnostics.MemberNameCollision.Create(site.Path, group.Span, "Group", group.Group, group.Member, reason);

        /// <summary>Why the class's full name cannot be generated, or null when it is free.</summary>
        private static string? Taken(Compilation compilation, SpecModel model)
        {
            var global = compilation.GlobalNamespace;
            if (global.GetTypeMembers("SpecTune").FirstOrDefault() is { } hiding)
                return "cannot be compiled while the global namespace holds a type 'SpecTune' (" + Where(hiding) + "): it hides SpecTune's namespace from generated code";
            if (model.Spec.Namespace is null && global.GetNamespaceMembers().Any(n => n.Name == model.Spec.Name))
                return "would be a global type named like the namespace '" + model.Spec.Name + "', hiding it";
            foreach (var type in compilation.GetTypesByMetadataName(model.FullName))
            {
                if (type.Locations.All(l => l.IsInMetadata))
                    return "is already a type of the referenced assembly " + type.ContainingAssembly.Name;
                if (type.ToDisplayString() == Embedded || type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == Embedded))
                    return "is a type SpecTune's generator adds to every compilation";
            }
            return null;
        }

        /// <summary>Names of FineTuneModel's members and its bases' that a derived class sees (a property of that name would hide one).</summary>
        private static HashSet<string> InheritedMembers(Compilation compilation)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (var type = compilation.GetTypeByMetadataName(ClassShapeChecker.FineTuneModel); type is not null; type = type.BaseType)
            {
                foreach (var member in type.GetMembers())
                {
                    if (member.DeclaredAccessibility is Accessibility.Private or Accessibility.Internal or Accessibility.ProtectedAndInternal) continue;
                    if (member is IMethodSymbol { MethodKind: not MethodKind.Ordinary }) continue;
                    names.Add(member.Name);
                }
            }
            return names;
        }

        /// <summary>Members the user wrote in their part of the class, by name, with where each is declared.</summary>
        private static Dictionary<string, string> DeclaredMembers(Compilation compilation, string fullName, CancellationToken cancellation)
        {
            var members = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var type in compilation.GetTypesByMetadataName(fullName))
            {
                foreach (var member in type.GetMembers())
                {
                    cancellation.ThrowIfCancellationRequested();
                    if (member.IsImplicitlyDeclared || member is IMethodSymbol { MethodKind: not MethodKind.Ordinary }) continue;
                    if (!members.ContainsKey(member.Name) && member.Locations.FirstOrDefault(l => l.IsInSource) is { } location)
                        members.Add(member.Name, Where(location));
                }
                foreach (var nested in type.GetTypeMembers())
                    if (!members.ContainsKey(nested.Name)) members.Add(nested.Name, Where(nested));
            }
            return members;
        }

        private static string Where(ISymbol symbol) => symbol.Locations.FirstOrDefault() is { } location ? Where(location) : symbol.ToDisplayString();

        private static string Where(Location location)
        {
            if (!location.IsInSource) return "a referenced assembly";
            var span = location.GetLineSpan();
            return System.IO.Path.GetFileName(span.Path) + "(" + (span.StartLinePosition.Line + 1) + "," + (span.StartLinePosition.Character + 1) + ")";
        }
    }
}
