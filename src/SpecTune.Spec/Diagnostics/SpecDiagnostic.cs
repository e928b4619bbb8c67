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

    /// <summary>Thrown by the runtime when a spec has errors; carries every diagnostic.</summary>
    public sealed class SpecException : System.Exception
    {
        public SpecException(System.Collections.Generic.IReadOnlyList<SpecDiagnostic> diagnostics)
            : base(string.Join(System.Environment.NewLine, diagnostics))
        {
            Diagnostics = diagnostics;
        }

        public System.Collections.Generic.IReadOnlyList<SpecDiagnostic> Diagnostics { get; }
    }
}
