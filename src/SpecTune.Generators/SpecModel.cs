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
    /// <param name="Skeleton">Without a model: the stand-in class to emit so user code keeps compiling (null when the class cannot be named).</param>
    internal sealed record ParsedSpec(SpecModel? Model, EquatableArray<SpecDiagnostic> Diagnostics, NameSite? NameSite = null, SkeletonModel? Skeleton = null);

    /// <summary>
    /// What a spec with errors still tells about its class: enough for a stand-in with the same name, base type and the
    /// members user code most likely calls, so one spec error is not followed by CS0103/CS0246 wherever the class is used.
    /// </summary>
    /// <param name="Namespace">The class's namespace; null for the global namespace.</param>
    /// <param name="Name">The class name (a valid C# type name).</param>
    /// <param name="Accessibility">`public` or `internal`.</param>
    /// <param name="Task">The task when it could be read (it decides Predict's type); null leaves Predict out.</param>
    /// <param name="ScalarRegression">For regression: true when the head ends in one unit (Predict returns float).</param>
    internal sealed record SkeletonModel(string? Namespace, string Name, string Accessibility, TaskKind? Task, bool ScalarRegression = true)
    {
        public string FullName => (Namespace is null ? "" : Namespace + ".") + Name;

        /// <summary>Distinct from the model's hint name, so tools (and tests) can tell a stand-in from a real class.</summary>
        public string HintName => FullName + ".StandIn.g.cs";
    }

    /// <summary>The class a spec generates and where the spec names it, with where each group (a generated property) is named.</summary>
    internal sealed record NameSite(string FullName, string? Path, SourceSpan Span, EquatableArray<MemberSite> Groups = default);

    /// <summary>A group, the property it becomes, and where the spec names it.</summary>
    internal sealed record MemberSite(string Group, string Member, SourceSpan Span);
}
