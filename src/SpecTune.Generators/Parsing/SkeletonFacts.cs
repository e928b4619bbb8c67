using System;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using SpecTune.Spec;

namespace SpecTune.Generators.Parsing
{
    /// <summary>
    /// The <see cref="SkeletonModel"/> of a spec with errors: from the spec where it was read, else from the YAML
    /// text line by line (a syntax error loses the tree, not the `name:` line), else from the [FineTune] class.
    /// </summary>
    internal static class SkeletonFacts
    {
        private static readonly Regex TopLevelKey = new Regex(@"^(name|namespace|task)[ \t]*:[ \t]*(""[^""]*""|'[^']*'|[^\s#]+)", RegexOptions.Multiline | RegexOptions.CultureInvariant);

        public static SkeletonModel? FromSpec(FineTuneSpec spec, string accessibility)
        {
            var scalar = (spec.Head.Layers.LastOrDefaultLinear()?.Units ?? 1) == 1;
            return Create(spec.Namespace, spec.Name, accessibility, spec.Task, scalar);
        }

        /// <summary>From a YAML file's top-level `name:`, `namespace:` and `task:` lines, whatever the rest of the file holds.</summary>
        public static SkeletonModel? FromYaml(string text)
        {
            string? name = null, ns = null;
            TaskKind? task = null;
            foreach (Match match in TopLevelKey.Matches(text))
            {
                var value = match.Groups[2].Value.Trim('"', '\'');
                switch (match.Groups[1].Value)
                {
                    case "name": name ??= value; break;
                    case "namespace": ns ??= value; break;
                    default:
                        if (task is null && SpecNames.Tasks.TryGet(value, out var kind)) task = kind;
                        break;
                }
            }
            return name is null ? null : Create(ns, name, "public", task, true);
        }

        /// <summary>From a [FineTune] class whose attributes could not be read (its shape is fine).</summary>
        public static SkeletonModel? FromClass(INamedTypeSymbol symbol)
        {
            var ns = symbol.ContainingNamespace is { IsGlobalNamespace: false } containing ? containing.ToDisplayString() : null;
            return Create(ns, symbol.Name, symbol.DeclaredAccessibility == Accessibility.Public ? "public" : "internal", null, true);
        }

        private static SkeletonModel? Create(string? ns, string name, string accessibility, TaskKind? task, bool scalar)
        {
            if (!CSharpNames.IsTypeName(name)) return null;
            if (ns is not null && !Array.TrueForAll(ns.Split('.'), CSharpNames.IsNamespacePart)) return null;
            return new SkeletonModel(ns, name, accessibility, task, scalar);
        }

        private static HeadLayerSpec? LastOrDefaultLinear(this EquatableArray<HeadLayerSpec> layers)
        {
            HeadLayerSpec? last = null;
            foreach (var layer in layers)
                if (layer.Kind == HeadLayerKind.Linear) last = layer;
            return last;
        }
    }
}
