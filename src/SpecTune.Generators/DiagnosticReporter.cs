using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using SpecTune.Spec;

namespace SpecTune.Generators
{
    /// <summary>Turns plain-data <see cref="SpecDiagnostic"/>s into Roslyn diagnostics, only when they are reported.</summary>
    internal static class DiagnosticReporter
    {
        private static readonly ConcurrentDictionary<string, DiagnosticDescriptor> Descriptors = new ConcurrentDictionary<string, DiagnosticDescriptor>();

        public static Diagnostic ToDiagnostic(SpecDiagnostic diagnostic)
        {
            var descriptor = Descriptors.GetOrAdd(diagnostic.Id + "|" + diagnostic.Severity, _ => Create(diagnostic));
            return Diagnostic.Create(descriptor, ToLocation(diagnostic), diagnostic.Message);
        }

        /// <summary>`Location.Create(path, TextSpan, LinePositionSpan)`: a file location shown as `path(line,col)` in the build and clickable in an IDE.</summary>
        public static Location ToLocation(SpecDiagnostic diagnostic)
        {
            if (diagnostic.FilePath is null) return Location.None;
            var s = diagnostic.Span;
            var start = System.Math.Max(0, s.StartOffset);
            var span = new TextSpan(start, System.Math.Max(0, s.EndOffset - start));
            var lines = new LinePositionSpan(new LinePosition(System.Math.Max(0, s.StartLine), System.Math.Max(0, s.StartColumn)),
                new LinePosition(System.Math.Max(s.StartLine, s.EndLine), s.EndLine > s.StartLine ? System.Math.Max(0, s.EndColumn) : System.Math.Max(s.StartColumn, s.EndColumn)));
            return Location.Create(diagnostic.FilePath, span, lines);
        }

        private static DiagnosticDescriptor Create(SpecDiagnostic diagnostic)
        {
            SpecDiagnosticDescriptor? known = null;
            foreach (var d in SpecDiagnostics.All)
                if (d.Id == diagnostic.Id) known = d;
            var severity = diagnostic.Severity switch
            {
                SpecSeverity.Error => DiagnosticSeverity.Error,
                SpecSeverity.Warning => DiagnosticSeverity.Warning,
                _ => DiagnosticSeverity.Info,
            };
            return new DiagnosticDescriptor(
                diagnostic.Id,
                known?.Title ?? diagnostic.Id,
                "{0}",
                "SpecTune." + (known?.Category.ToString() ?? "Spec"),
                severity,
                isEnabledByDefault: true,
                helpLinkUri: known?.HelpAnchor);
        }
    }
}
