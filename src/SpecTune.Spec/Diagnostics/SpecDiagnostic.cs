namespace SpecTune.Spec
{
    public enum SpecSeverity { Error, Warning, Info }

    /// <summary>
    /// A problem found in a spec, as plain data (no Roslyn types): the generator turns it into a
    /// Diagnostic, the runtime and CLI print it as `path(line,col): error SPTnnnn: message`.
    /// </summary>
    public sealed record SpecDiagnostic(string Id, SpecSeverity Severity, string Message, string? FilePath, SourceSpan Span)
    {
        public bool IsError => Severity == SpecSeverity.Error;

        public override string ToString()
        {
            var where = FilePath is null ? "" : FilePath + (Span.IsNone ? "" : Span.ToDisplayString()) + ": ";
            var severity = Severity switch { SpecSeverity.Error => "error", SpecSeverity.Warning => "warning", _ => "info" };
            return $"{where}{severity} {Id}: {Message}";
        }
    }

    /// <summary>
    /// The one exception SpecTune throws for a bad spec or what it names (data, weights, checkpoints, a network that
    /// cannot be built, a diverged run): it carries the diagnostics, the first one's id, file and span, so a caller prints
    /// them without parsing messages. Thrown where the problem is found (or by the layer that knows the spec field).
    /// </summary>
    public class SpecException : System.Exception
    {
        public SpecException(System.Collections.Generic.IReadOnlyList<SpecDiagnostic> diagnostics)
            : this(diagnostics, null) { }

        public SpecException(System.Collections.Generic.IReadOnlyList<SpecDiagnostic> diagnostics, System.Exception? innerException)
            : base(string.Join(System.Environment.NewLine, diagnostics), innerException)
        {
            if (diagnostics == null || diagnostics.Count == 0) throw new System.ArgumentException("expected at least one diagnostic", nameof(diagnostics));
            Diagnostics = diagnostics;
        }

        /// <summary>A single diagnostic.</summary>
        public SpecException(SpecDiagnostic diagnostic, System.Exception? innerException = null)
            : this(new[] { diagnostic }, innerException) { }

        /// <summary>Every problem found; the first is the one <see cref="Id"/>, <see cref="FilePath"/> and <see cref="Span"/> describe.</summary>
        public System.Collections.Generic.IReadOnlyList<SpecDiagnostic> Diagnostics { get; }

        /// <summary>The first diagnostic's SPT id.</summary>
        public string Id => Diagnostics[0].Id;

        /// <summary>The spec file (null for a spec built in code).</summary>
        public string? FilePath => Diagnostics[0].FilePath;

        /// <summary>Where in the spec file.</summary>
        public SourceSpan Span => Diagnostics[0].Span;
    }
}
