using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SpecTune.Spec;

namespace SpecTune.Generators.Parsing
{
    /// <summary>
    /// The attribute front end: a [FineTune] partial class and its [Group], [Head], [Data], [Optimizer],
    /// [Phase], [LearningRate] and [EarlyStopping] attributes to the same <see cref="FineTuneSpec"/> the YAML
    /// reader gives, with defaults as in docs/spec.md. Every value's spec path is recorded at its attribute
    /// argument, so the one checker's diagnostics point at the argument. Only plain data leaves this class.
    /// This file reads [FineTune] and the argument values; AttributeSections.cs the other attributes, AttributeArguments.cs
    /// finds each argument's syntax.
    /// </summary>
    internal static partial class AttributeSpecParser
    {
        public static ParsedSpec Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellation)
        {
            var symbol = (INamedTypeSymbol)context.TargetSymbol;
            var node = (ClassDeclarationSyntax)context.TargetNode;
            var run = new Run(node.SyntaxTree, cancellation);
            run.Record("name", node.Identifier);
            run.Record("namespace", node.Identifier);

            var problem = ClassProblem(symbol, node, cancellation);
            if (problem is not null)
            {
                var diagnostic = SpecDiagnostics.InvalidModelClass.Create(run.Path, run.SpanOf(node.Identifier), symbol.Name, problem);
                return new ParsedSpec(null, EquatableArray.Create(diagnostic));
            }

            var spec = run.Read(symbol, context.Attributes[0]);
            cancellation.ThrowIfCancellationRequested();
            var diagnostics = run.Diagnostics;
            if (spec is not null) diagnostics.AddRange(SpecChecker.Check(spec, run.Unreliable));
            var accessibility = symbol.DeclaredAccessibility == Accessibility.Public ? "public" : "internal";
            return SpecFinisher.Finish(spec, diagnostics, accessibility);
        }

        private static string? ClassProblem(INamedTypeSymbol symbol, ClassDeclarationSyntax node, CancellationToken cancellation)
        {
            if (!node.Modifiers.Any(m => m.Text == "partial")) return "must be partial (the generator writes its other half)";
            if (symbol.ContainingType is not null) return "must not be nested in another type";
            if (symbol.TypeParameters.Length > 0) return "must not be generic";
            if (symbol.IsStatic) return "must not be static";
            // Locations and incremental re-runs follow the [FineTune] declaration's file, so the spec must be written in one place.
            foreach (var attribute in symbol.GetAttributes())
            {
                if (attribute.AttributeClass?.ContainingNamespace?.ToDisplayString() != "SpecTune") continue;
                var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellation);
                if (syntax is not null && (syntax.SyntaxTree != node.SyntaxTree || !node.Span.Contains(syntax.Span)))
                    return "must carry all its SpecTune attributes on the declaration that has [FineTune]";
            }
            return null;
        }

        private sealed partial class Run
        {
            private readonly SyntaxTree _tree;
            private readonly CancellationToken _cancellation;
            private readonly List<SourceLocation> _locations = new List<SourceLocation>();

            public Run(SyntaxTree tree, CancellationToken cancellation)
            {
                _tree = tree;
                _cancellation = cancellation;
            }

            public string Path => _tree.FilePath;

            public List<SpecDiagnostic> Diagnostics { get; } = new List<SpecDiagnostic>();

            public HashSet<string> Unreliable { get; } = new HashSet<string>(StringComparer.Ordinal);

            public SourceSpan SpanOf(SyntaxToken token) => SpanOf(token.Span);

            public SourceSpan SpanOf(SyntaxNode? node) => node is null ? SourceSpan.None : SpanOf(node.Span);

            private SourceSpan SpanOf(Microsoft.CodeAnalysis.Text.TextSpan span)
            {
                var lines = _tree.GetLineSpan(span, _cancellation);
                return new SourceSpan(span.Start, span.End, lines.StartLinePosition.Line, lines.StartLinePosition.Character,
                    lines.EndLinePosition.Line, lines.EndLinePosition.Character);
            }

            public void Record(string specPath, SyntaxToken token) => _locations.Add(new SourceLocation(specPath, SpanOf(token)));

            public void Record(string specPath, SyntaxNode? node)
            {
                if (node is not null) _locations.Add(new SourceLocation(specPath, SpanOf(node)));
            }

            private void Fail(string specPath, SpecDiagnosticDescriptor descriptor, SyntaxNode? at, params object?[] args)
            {
                Unreliable.Add(specPath);
                Diagnostics.Add(descriptor.Create(Path, SpanOf(at), args));
            }

            public FineTuneSpec? Read(INamedTypeSymbol symbol, AttributeData fineTuneData)
            {
                var fineTune = new Attr(fineTuneData, _cancellation);
                Record("", fineTune.Syntax);
                Record("base", fineTune.Syntax);
                Record("base.architecture", fineTune.Positional(0));
                var all = symbol.GetAttributes().Where(a => a.AttributeClass?.ContainingNamespace?.ToDisplayString() == "SpecTune")
                    .Select(a => new Attr(a, _cancellation)).ToList();
                // The compiler already reports attributes that do not bind (wrong argument types, unknown names); no spec is built then.
                if (all.Any(a => a.HasErrors)) return null;
                List<Attr> Of(string name) => all.Where(a => a.Data.AttributeClass!.Name == name + "Attribute").ToList();

                var groups = ReadGroups(Of("Group"));
                var head = ReadHead(Of("Head"), fineTune);
                var data = ReadData(Of("Data"), fineTune);
                var optimizer = ReadOptimizer(Of("Optimizer"), fineTune);
                var phases = ReadPhases(Of("Phase"), Of("LearningRate"));
                var early = Of("EarlyStopping").FirstOrDefault() is { } e ? ReadEarlyStopping(e) : null;

                var input = IntArray(fineTune, "Input", "base.input");
                if (input.IsEmpty && fineTune.Named("Input") is null) Missing("base.input", "Input", "[FineTune]", fineTune);
                var task = Enum(fineTune, "Task", "task", SpecNames.Tasks, required: true) ?? SpecDefaults.Task;
                var loss = Enum(fineTune, "Loss", "loss", SpecNames.Losses, required: true) ?? SpecDefaults.Loss;
                var l2 = Double(fineTune, "L2Sp", "regularization.l2-sp");
                // Read before the spec is built: its source map is taken when the constructor's arguments are evaluated.
                var featureCache = Bool(fineTune, "FeatureCache", "feature-cache") ?? SpecDefaults.FeatureCache;

                return new FineTuneSpec(
                    Version: SpecDefaults.Version,
                    Name: symbol.Name,
                    Namespace: symbol.ContainingNamespace.IsGlobalNamespace ? null : symbol.ContainingNamespace.ToDisplayString(),
                    Base: new BaseSpec(
                        Architecture: fineTune.Data.ConstructorArguments.Length > 0 ? Str(fineTune.Data.ConstructorArguments[0]) ?? "" : "",
                        Weights: String(fineTune, "Weights", "base.weights"),
                        Input: input,
                        Hidden: IntArray(fineTune, "Hidden", "base.hidden"),
                        Strict: Bool(fineTune, "Strict", "base.strict") ?? SpecDefaults.Strict,
                        Onnx: String(fineTune, "Onnx", "base.onnx"),
                        CutAt: String(fineTune, "CutAt", "base.cut-at"),
                        Rename: ReadRenames(fineTune)),
                    Groups: groups,
                    Head: head,
                    Task: task,
                    Data: data,
                    Loss: new LossSpec(loss, Double(fineTune, "LabelSmoothing", "loss.label-smoothing") ?? SpecDefaults.LabelSmoothing),
                    Metrics: Strings(fineTune, "Metrics", "metrics").Select((m, i) => EnumValue(m, "metrics[" + i + "]", SpecNames.Metrics, fineTune.NamedElement("Metrics", i)))
                        .Where(m => m is not null).Select(m => m!.Value).ToEquatableArray(),
                    Optimizer: optimizer,
                    Phases: phases,
                    EarlyStopping: early,
                    Regularization: l2 is null ? null : new RegularizationSpec(l2.Value),
                    Seed: Int(fineTune, "Seed", "seed") ?? SpecDefaults.Seed,
                    Output: String(fineTune, "Output", "output"),
                    Checkpoints: String(fineTune, "Checkpoints", "checkpoints"),
                    MetricsLog: String(fineTune, "MetricsLog", "metrics-log"),
                    Device: String(fineTune, "Device", "device") ?? SpecDefaults.Device,
                    Threads: Int(fineTune, "Threads", "threads"),
                    BatchNorm: Enum(fineTune, "BatchNorm", "batch-norm", SpecNames.BatchNormPolicies) ?? SpecDefaults.BatchNorm,
                    SourcePath: Path,
                    Locations: new SourceMap(_locations.ToEquatableArray()))
                {
                    FeatureCache = featureCache,
                };
            }

            private void Missing(string specPath, string argument, string where, Attr at) =>
                Fail(specPath, SpecDiagnostics.MissingRequired, at.Syntax, argument, where);

            // Named arguments: a value is "given" only when the argument is written, so defaults match the YAML reader's.

            private string? String(Attr a, string name, string path)
            {
                if (a.Named(name) is not { } value) return null;
                Record(path, a.NamedSyntax(name));
                return Str(value);
            }

            private int? Int(Attr a, string name, string path)
            {
                if (a.Named(name) is not { Value: int value }) return null;
                Record(path, a.NamedSyntax(name));
                return value;
            }

            private double? Double(Attr a, string name, string path)
            {
                if (a.Named(name) is not { Value: double value }) return null;
                Record(path, a.NamedSyntax(name));
                return value;
            }

            private bool? Bool(Attr a, string name, string path)
            {
                if (a.Named(name) is not { Value: bool value }) return null;
                Record(path, a.NamedSyntax(name));
                return value;
            }

            private List<string> Strings(Attr a, string name, string path)
            {
                if (a.Named(name) is not { } value) return new List<string>();
                Record(path, a.NamedSyntax(name));
                var items = Values(value).Select(v => Str(v) ?? "").ToList();
                for (int i = 0; i < items.Count; i++) Record(path + "[" + i + "]", a.NamedElement(name, i));
                return items;
            }

            private EquatableArray<int> IntArray(Attr a, string name, string path)
            {
                if (a.Named(name) is not { } value) return EquatableArray<int>.Empty;
                Record(path, a.NamedSyntax(name));
                var items = Values(value).Select(v => v.Value is int i ? i : 0).ToList();
                for (int i = 0; i < items.Count; i++) Record(path + "[" + i + "]", a.NamedElement(name, i));
                return items.ToEquatableArray();
            }

            private EquatableArray<double> DoubleArray(Attr a, string name, string path)
            {
                if (a.Named(name) is not { } value) return EquatableArray<double>.Empty;
                Record(path, a.NamedSyntax(name));
                var items = Values(value).Select(v => v.Value is double d ? d : 0).ToList();
                for (int i = 0; i < items.Count; i++) Record(path + "[" + i + "]", a.NamedElement(name, i));
                return items.ToEquatableArray();
            }

            private T? Enum<T>(Attr a, string name, string path, NameTable<T> table, bool required = false) where T : struct
            {
                if (a.Named(name) is not { } value)
                {
                    if (required) Missing(path, name, "[FineTune]", a);
                    return null;
                }
                Record(path, a.NamedSyntax(name));
                return EnumValue(Str(value) ?? "", path, table, a.NamedSyntax(name));
            }

            private T? EnumValue<T>(string text, string path, NameTable<T> table, SyntaxNode? at) where T : struct
            {
                if (table.TryGet(text, out var value)) return value;
                Fail(path, SpecDiagnostics.InvalidValue, at, text, path, table.Names, SpecDiagnostics.DidYouMeanSuffix(text, table.AllNames));
                return null;
            }

            private static string? Str(TypedConstant constant) => constant.Kind == TypedConstantKind.Array ? null : constant.Value as string;

            private static IEnumerable<TypedConstant> Values(TypedConstant constant) =>
                constant.Kind == TypedConstantKind.Array && !constant.IsNull ? constant.Values : Enumerable.Empty<TypedConstant>();
        }
    }
}
