using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SpecTune.Spec;

namespace SpecTune.Generators.Parsing
{
    /// <summary>
    /// The shapes of [FineTune] types the generated half cannot join, each SPT0126 at the attribute (rather than a
    /// compiler error about code the user never wrote, or nothing at all): a record (a record cannot derive from
    /// FineTuneModel), a file-local class (its other half would be another type), an abstract class (the generated
    /// half is sealed and created by its own factories) and a class with a base class of its own.
    /// AttributeSpecParser checks the rest (partial, nested, generic, static).
    /// </summary>
    internal static class ClassShapeChecker
    {
        public const string FineTuneModel = "SpecTune.FineTuneModel";

        /// <summary>A rejection when the target cannot take a generated half; null when the attribute parser may read it.</summary>
        public static ParsedSpec? Check(GeneratorAttributeSyntaxContext context, CancellationToken cancellation)
        {
            var symbol = (INamedTypeSymbol)context.TargetSymbol;
            var node = (TypeDeclarationSyntax)context.TargetNode;
            var problem = Problem(symbol, node);
            if (problem is null) return null;
            var attribute = context.Attributes[0].ApplicationSyntaxReference?.GetSyntax(cancellation) ?? node;
            var lines = attribute.SyntaxTree.GetLineSpan(attribute.Span, cancellation);
            var span = new SourceSpan(attribute.Span.Start, attribute.Span.End, lines.StartLinePosition.Line, lines.StartLinePosition.Character,
                lines.EndLinePosition.Line, lines.EndLinePosition.Character);
            var diagnostic = SpecDiagnostics.InvalidModelClass.Create(node.SyntaxTree.FilePath, span, symbol.Name, problem);
            return new ParsedSpec(null, EquatableArray.Create(diagnostic));
        }

        private static string? Problem(INamedTypeSymbol symbol, TypeDeclarationSyntax node)
        {
            if (node is RecordDeclarationSyntax)
                return "must be a partial class, not a record: the generated half derives from SpecTune.FineTuneModel, which a record cannot";
            if (node is not ClassDeclarationSyntax) return "must be a partial class";
            if (symbol.IsFileLocal || node.Modifiers.Any(SyntaxKind.FileKeyword))
                return "must not be file-local: the generated half is in another file, so it would be a separate class";
            if (symbol.IsAbstract) return "must not be abstract: the generated half is sealed and creates instances itself";
            if (symbol.BaseType is { SpecialType: not SpecialType.System_Object } baseType && baseType.ToDisplayString() != FineTuneModel)
                return "must not declare a base class ('" + baseType.ToDisplayString() + "'): the generated half derives from SpecTune.FineTuneModel";
            return null;
        }
    }
}
