using System;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using SpecTune.Generators.Emitting;
using SpecTune.Generators.Parsing;
using SpecTune.Spec;

namespace SpecTune.Generators
{
    /// <summary>
    /// SpecTune's incremental generator. Two front ends — `*.spectune.yaml` AdditionalFiles and [FineTune]
    /// partial classes — give one <see cref="ParsedSpec"/> each (plain, equatable data). From it come two
    /// outputs: the source, from the <see cref="SpecModel"/> alone (so a spec edited into an equal value is not
    /// re-emitted), and the diagnostics beside it. Nothing escapes as an exception: a defect is reported as SPT0000.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class SpecTuneGenerator : IIncrementalGenerator
    {
        /// <summary>Tracking names of the pipeline's steps (tests assert they stay Cached or Unchanged).</summary>
        public static class Steps
        {
            public const string YamlText = "SpecTune.YamlText";
            public const string YamlParse = "SpecTune.YamlParse";
            public const string AttributeParse = "SpecTune.AttributeParse";
            public const string Model = "SpecTune.Model";
            public const string Diagnostics = "SpecTune.Diagnostics";
            public const string Clashes = "SpecTune.Clashes";
            public const string CompilationChecks = "SpecTune.CompilationChecks";
            public const string Skeleton = "SpecTune.Skeleton";
            public const string Emit = "SpecTune.Emit";
        }

        /// <summary>The AdditionalFiles metadata SpecTune's build targets set on files from SpecTuneSpec items.</summary>
        internal const string SpecTuneSpecMetadata = "build_metadata.AdditionalFiles.SpecTuneSpec";

        /// <inheritdoc />
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            context.RegisterPostInitializationOutput(static post =>
            {
                post.AddEmbeddedAttributeDefinition();
                post.AddSource(AttributeSource.HintName, SourceText.From(AttributeSource.Text, System.Text.Encoding.UTF8));
            });

            // A spec is an AdditionalFile named *.spectune.yaml, or one SpecTune's targets made from a SpecTuneSpec item (any name).
            var yaml = context.AdditionalTextsProvider
                .Combine(context.AnalyzerConfigOptionsProvider)
                .Where(static pair => pair.Left.Path.EndsWith(YamlSpecParser.Extension, StringComparison.OrdinalIgnoreCase)
                    || (pair.Right.GetOptions(pair.Left).TryGetValue(SpecTuneSpecMetadata, out var flag)
                        && string.Equals(flag, "true", StringComparison.OrdinalIgnoreCase)))
                .Select(static (pair, cancellation) => new YamlFile(pair.Left.Path, pair.Left.GetText(cancellation)?.ToString()))
                .WithTrackingName(Steps.YamlText)
                .Select(static (file, cancellation) => Guard(file.Path, () => file.Text is null
                    ? new ParsedSpec(null, EquatableArray.Create(SpecDiagnostics.YamlSyntax.Create(file.Path, SourceSpan.None, "the file could not be read")))
                    : YamlSpecParser.Parse(file.Path, file.Text, cancellation), cancellation))
                .WithTrackingName(Steps.YamlParse);
            yaml = WithCompilationChecks(context, yaml, "Yaml");

            // Records, structs and interfaces reach the front end too, so that a [FineTune] record is reported, not ignored.
            var attributes = context.SyntaxProvider
                .ForAttributeWithMetadataName(AttributeSource.FineTuneAttribute,
                    static (node, _) => node is TypeDeclarationSyntax,
                    static (attributeContext, cancellation) => Guard(attributeContext.TargetNode.SyntaxTree.FilePath,
                        () => ClassShapeChecker.Check(attributeContext, cancellation) ?? WithSkeleton(AttributeSpecParser.Parse(attributeContext, cancellation), attributeContext),
                        cancellation))
                .WithTrackingName(Steps.AttributeParse);
            attributes = WithCompilationChecks(context, attributes, "Attribute");

            // Two specs (two files, or a file and a class) that name the same class cannot both be emitted (a stand-in
            // for a spec with errors included). Only the set of clashing names flows into each spec's outputs, so editing
            // one spec leaves the others Cached.
            var yamlNames = yaml.Select(static (p, _) => p.Model?.FullName ?? p.Skeleton?.FullName).Collect();
            var attributeNames = attributes.Select(static (p, _) => p.Model?.FullName ?? p.Skeleton?.FullName).Collect();
            var clashes = yamlNames.Combine(attributeNames)
                .Select(static (pair, _) => Clashes(pair.Left.AddRange(pair.Right)))
                .WithTrackingName(Steps.Clashes);

            Register(context, yaml, clashes, "Yaml");
            Register(context, attributes, clashes, "Attribute");
        }

        /// <summary>The name checks that need the compilation; their output is plain data, so an edit elsewhere leaves it Unchanged.</summary>
        private static IncrementalValuesProvider<ParsedSpec> WithCompilationChecks(IncrementalGeneratorInitializationContext context,
            IncrementalValuesProvider<ParsedSpec> parsed, string source) =>
            parsed.Combine(context.CompilationProvider)
                .Select(static (pair, cancellation) => Guard(pair.Left.NameSite?.Path ?? "", () => CompilationChecks.Apply(pair.Left, pair.Right, cancellation), cancellation))
                .WithTrackingName(Steps.CompilationChecks + "." + source);

        /// <summary>A [FineTune] class whose attributes could not be read still gets its stand-in, unless its own shape is at fault.</summary>
        private static ParsedSpec WithSkeleton(ParsedSpec parsed, GeneratorAttributeSyntaxContext context)
        {
            if (parsed.Model is not null || parsed.Skeleton is not null) return parsed;
            foreach (var diagnostic in parsed.Diagnostics)
                if (diagnostic.Id == SpecDiagnostics.InvalidModelClass.Id) return parsed;
            return parsed with { Skeleton = SkeletonFacts.FromClass((INamedTypeSymbol)context.TargetSymbol) };
        }

        private static EquatableArray<string> Clashes(System.Collections.Immutable.ImmutableArray<string?> names)
        {
            var seen = new System.Collections.Generic.HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var clashing = new System.Collections.Generic.SortedSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var name in names)
                if (name is not null && !seen.Add(name)) clashing.Add(name);
            return clashing.ToEquatableArray();
        }

        private static bool Clashes(EquatableArray<string> clashes, string name)
        {
            foreach (var clash in clashes)
                if (string.Equals(clash, name, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }

        private static void Register(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<ParsedSpec> parsed,
            IncrementalValueProvider<EquatableArray<string>> clashes, string source)
        {
            var models = parsed
                .Select(static (p, _) => p.Model)
                .WithTrackingName(Steps.Model + "." + source)
                .Combine(clashes)
                .WithTrackingName(Steps.Emit + "." + source);
            context.RegisterSourceOutput(models, static (output, pair) =>
            {
                var (model, clashing) = pair;
                if (model is not null && !Clashes(clashing, model.FullName)) AddGuarded(output, model.HintName, model, ModelEmitter.Emit);
            });

            var skeletons = parsed
                .Select(static (p, _) => p.Model is null ? p.Skeleton : null)
                .WithTrackingName(Steps.Skeleton + "." + source)
                .Combine(clashes);
            context.RegisterSourceOutput(skeletons, static (output, pair) =>
            {
                var (skeleton, clashing) = pair;
                if (skeleton is not null && !Clashes(clashing, skeleton.FullName)) AddGuarded(output, skeleton.HintName, skeleton, SkeletonEmitter.Emit);
            });

            var diagnostics = parsed
                .Select(static (p, _) => (p.Diagnostics, p.NameSite))
                .Combine(clashes)
                .WithTrackingName(Steps.Diagnostics + "." + source);
            context.RegisterSourceOutput(diagnostics, static (output, pair) =>
            {
                var ((list, site), clashing) = pair;
                foreach (var diagnostic in list) output.ReportDiagnostic(DiagnosticReporter.ToDiagnostic(diagnostic));
                if (site is not null && Clashes(clashing, site.FullName))
                    output.ReportDiagnostic(DiagnosticReporter.ToDiagnostic(SpecDiagnostics.MemberNameCollision.Create(site.Path, site.Span,
                        "Spec", site.FullName, site.FullName, "is generated by another spec as well")));
            });
        }

        /// <summary>Adds what <paramref name="emit"/> writes for <paramref name="value"/>; an exception (a SpecTune defect) becomes SPT0000 instead.</summary>
        private static void AddGuarded<T>(SourceProductionContext output, string hintName, T value, Func<T, string> emit)
        {
            string text;
            try
            {
                text = emit(value);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                output.ReportDiagnostic(DiagnosticReporter.ToDiagnostic(SpecDiagnostics.InternalError.Create(null, SourceSpan.None, Describe(exception))));
                return;
            }
            output.AddSource(hintName, SourceText.From(text, System.Text.Encoding.UTF8));
        }

        /// <summary>Runs a front end; an exception (a SpecTune defect) becomes SPT0000 at the spec, cancellation still propagates.</summary>
        internal static ParsedSpec Guard(string path, Func<ParsedSpec> parse, CancellationToken cancellation)
        {
            try
            {
                return parse();
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception exception)
            {
                return new ParsedSpec(null, EquatableArray.Create(SpecDiagnostics.InternalError.Create(path, SourceSpan.None, Describe(exception))));
            }
        }

        private static string Describe(Exception exception) => exception.GetType().Name + ": " + exception.Message;

        /// <summary>A YAML AdditionalFile's path and text (null when it cannot be read); equal files compare equal, so an unchanged file stays Cached.</summary>
        private sealed record YamlFile(string Path, string? Text);
    }
}
