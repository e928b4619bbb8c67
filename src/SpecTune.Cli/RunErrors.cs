using SpecTune.Spec;

namespace SpecTune.Cli;

/// <summary>
/// What went wrong running a spec, as the CLI prints it: the runtime reports it as a <see cref="SpecException"/> at
/// the spec field that caused it (ids SPT03xx, docs/diagnostics.md), so that a build shows a missing data file at
/// <c>data.train</c> and a bad weights file at <c>base.weights</c>; the CLI only writes the diagnostics.
/// </summary>
internal static class RunErrors
{
    /// <summary>The diagnostics <paramref name="error"/> carries, or null when it carries none (a bug: let it surface).</summary>
    public static IReadOnlyList<SpecDiagnostic>? Describe(Exception error) => error is SpecException spec ? spec.Diagnostics : null;
}
