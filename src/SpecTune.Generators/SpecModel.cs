using SpecTune.Spec;

namespace SpecTune.Generators
{
    /// <summary>
    /// What the generator emits for one spec: the spec without its source path and locations (so an
    /// equivalent edit, such as a comment, leaves this value equal and the emitted source Unchanged),
    /// plus the few facts the emitter needs. Plain, equatable data: no Roslyn objects.
    /// </summary>
    /// <param name="Spec">The checked spec with <see cref="FineTuneSpec.SourcePath"/> null and no locations.</param>
    /// <param name="Accessibility">`public` (YAML specs) or the [FineTune] class's declared accessibility.</param>
    /// <param name="HasBaseGroup">True when some base parameter is claimed by no group, so the implicit group `base` exists.</param>
    internal sealed record SpecModel(FineTuneSpec Spec, string Accessibility, bool HasBaseGroup)
    {
        /// <summary>The generated class's full name.</summary>
        public string FullName => (Spec.Namespace is null ? "" : Spec.Namespace + ".") + Spec.Name;

        /// <summary>The hint name of the generated file.</summary>
        public string HintName => FullName + ".g.cs";
    }

    /// <summary>The outcome of parsing one spec (a YAML file or a [FineTune] class): the model to emit (null when any error was found) and the diagnostics.</summary>
    /// <param name="Model">What to emit; null when the spec has errors.</param>
    /// <param name="Diagnostics">Every problem found, in source order.</param>
    /// <param name="NameSite">Where the spec names its class (for a clash between two specs); null without a model.</param>
    internal sealed record ParsedSpec(SpecModel? Model, EquatableArray<SpecDiagnostic> Diagnostics, NameSite? NameSite = null);

    /// <summary>The class a spec generates and where the spec names it.</summary>
    internal sealed record NameSite(string FullName, string? Path, SourceSpan Span);
}
