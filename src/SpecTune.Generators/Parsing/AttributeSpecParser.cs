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
    /// </summary>
    internal static class AttributeSpecParser
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

        /// <summary>One attribute application: its data and syntax, with lookups of arguments by constructor position or property name.</summary>
        private sealed class Attr
        {
            private readonly AttributeSyntax? _syntax;

            public Attr(AttributeData data, CancellationToken cancellation)
            {
                Data = data;
                _syntax = data.ApplicationSyntaxReference?.GetSyntax(cancellation) as AttributeSyntax;
            }

            public AttributeData Data { get; }

            public SyntaxNode? Syntax => _syntax;

            public bool HasErrors =>
                Data.AttributeConstructor is null
                || Data.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error)
                || Data.NamedArguments.Any(a => a.Value.Kind == TypedConstantKind.Error);

            public TypedConstant? Named(string name)
            {
                foreach (var pair in Data.NamedArguments)
                    if (pair.Key == name) return pair.Value;
                return null;
            }

            /// <summary>The syntax of constructor argument <paramref name="index"/>; for a params array the elements from there on.</summary>
            public SyntaxNode? Positional(int index)
            {
                if (_syntax?.ArgumentList is null) return _syntax;
                var positional = _syntax.ArgumentList.Arguments.Where(a => a.NameEquals is null).ToList();
                var parameters = Data.AttributeConstructor?.Parameters ?? ImmutableArray<IParameterSymbol>.Empty;
                for (int i = 0; i < positional.Count; i++)
                {
                    var argument = positional[i];
                    var parameter = argument.NameColon is { } colon ? IndexOf(parameters, colon.Name.Identifier.Text) : i;
                    if (parameter == index) return argument.Expression;
                }
                return _syntax;
            }

            /// <summary>The syntax of the params-array element <paramref name="element"/> passed from constructor position <paramref name="index"/>.</summary>
            public SyntaxNode? ParamsElement(int index, int element)
            {
                var first = Positional(index);
                if (first is ExpressionSyntax expression && ElementsOf(expression) is { } elements)
                    return element < elements.Count ? elements[element] : expression;
                if (_syntax?.ArgumentList is null) return _syntax;
                var positional = _syntax.ArgumentList.Arguments.Where(a => a.NameEquals is null && a.NameColon is null).ToList();
                return index + element < positional.Count ? positional[index + element].Expression : _syntax;
            }

            public SyntaxNode? NamedSyntax(string name) =>
                _syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.Text == name)?.Expression ?? (SyntaxNode?)_syntax;

            public SyntaxNode? NamedElement(string name, int element)
            {
                var value = NamedSyntax(name);
                if (value is ExpressionSyntax expression && ElementsOf(expression) is { } elements && element < elements.Count) return elements[element];
                return value;
            }

            private static IReadOnlyList<SyntaxNode>? ElementsOf(ExpressionSyntax expression) => expression switch
            {
                ArrayCreationExpressionSyntax { Initializer: { } init } => init.Expressions,
                ImplicitArrayCreationExpressionSyntax { Initializer: var init } => init.Expressions,
                CollectionExpressionSyntax collection => collection.Elements,
                _ => null,
            };

            private static int IndexOf(ImmutableArray<IParameterSymbol> parameters, string name)
            {
                for (int i = 0; i < parameters.Length; i++)
                    if (parameters[i].Name == name) return i;
                return -1;
            }
        }

        private sealed class Run
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

            private EquatableArray<RenameSpec> ReadRenames(Attr fineTune)
            {
                var renames = new List<RenameSpec>();
                var entries = Strings(fineTune, "Rename", "base.rename");
                for (int i = 0; i < entries.Count; i++)
                {
                    var at = fineTune.NamedElement("Rename", i);
                    var equals = entries[i].IndexOf('=');
                    if (equals <= 0)
                    {
                        Fail("base.rename", SpecDiagnostics.InvalidValue, at, entries[i], "base.rename", "\"old=new\" (old not empty)", "");
                        continue;
                    }
                    var from = entries[i].Substring(0, equals);
                    Record("base.rename." + from + ".$key", at);
                    Record("base.rename." + from, at);
                    renames.Add(new RenameSpec(from, entries[i].Substring(equals + 1)));
                }
                return renames.ToEquatableArray();
            }

            private EquatableArray<GroupSpec> ReadGroups(List<Attr> attrs)
            {
                var groups = new List<GroupSpec>();
                foreach (var a in attrs)
                {
                    var name = Str(a.Data.ConstructorArguments[0]) ?? "";
                    var path = "groups." + name;
                    Record(path + ".$key", a.Positional(0));
                    Record(path, a.Syntax);
                    var patterns = Values(a.Data.ConstructorArguments[1]).Select(Str).ToList();
                    for (int i = 0; i < patterns.Count; i++) Record(path + "[" + i + "]", a.ParamsElement(1, i));
                    groups.Add(new GroupSpec(name, patterns.Select(p => p ?? "").ToEquatableArray()));
                }
                return groups.ToEquatableArray();
            }

            private HeadSpec ReadHead(List<Attr> attrs, Attr fineTune)
            {
                if (attrs.Count == 0)
                {
                    Missing("head", "[Head(...)]", "a [FineTune] class", fineTune);
                    return new HeadSpec(null, EquatableArray<HeadLayerSpec>.Empty);
                }
                var a = attrs[0];
                Record("head", a.Syntax);
                Record("head.layers", a.Syntax);
                var layers = new List<HeadLayerSpec>();
                var texts = Values(a.Data.ConstructorArguments[0]).Select(Str).ToList();
                for (int i = 0; i < texts.Count; i++)
                {
                    var path = "head.layers[" + i + "]";
                    var at = a.ParamsElement(0, i);
                    Record(path, at);
                    var layer = HeadLayer(texts[i] ?? "", path, at);
                    // A layer that cannot be read keeps its place (a placeholder), like the YAML reader, so later indices still match.
                    layers.Add(layer ?? new HeadLayerSpec(HeadLayerKind.Relu, null, null));
                }
                return new HeadSpec(String(a, "Replace", "head.replace"), layers.ToEquatableArray());
            }

            private HeadLayerSpec? HeadLayer(string text, string path, SyntaxNode? at)
            {
                var colon = text.IndexOf(':');
                if (colon < 0)
                {
                    if (SpecNames.BareLayers.TryGet(text, out var bare)) return new HeadLayerSpec(bare, null, null);
                }
                else
                {
                    var kind = text.Substring(0, colon).Trim();
                    var value = text.Substring(colon + 1).Trim();
                    if (kind == "linear" && int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var units))
                        return new HeadLayerSpec(HeadLayerKind.Linear, units, null);
                    if (kind == "dropout" && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate))
                        return new HeadLayerSpec(HeadLayerKind.Dropout, null, rate);
                }
                var names = SpecNames.BareLayers.AllNames.Concat(new[] { "linear:N", "dropout:R" }).ToArray();
                Fail(path, SpecDiagnostics.InvalidValue, at, text, path, string.Join(", ", names), SpecDiagnostics.DidYouMeanSuffix(text, names));
                return null;
            }

            private DataSpec ReadData(List<Attr> attrs, Attr fineTune)
            {
                if (attrs.Count == 0)
                {
                    Missing("data", "[Data(...)]", "a [FineTune] class", fineTune);
                    return new DataSpec(DataFormat.Idx, new DataSourceSpec("", null), null, null, SpecDefaults.BatchSize, SpecDefaults.Shuffle, EquatableArray<int>.Empty, null, TransformSpec.None, SpecDefaults.Prefetch);
                }
                var a = attrs[0];
                Record("data", a.Syntax);
                Record("data.format", a.Positional(0));
                Record("data.train", a.Positional(1));
                var format = EnumValue(Str(a.Data.ConstructorArguments[0]) ?? "", "data.format", SpecNames.Formats, a.Positional(0)) ?? DataFormat.Idx;
                var train = new DataSourceSpec(Str(a.Data.ConstructorArguments[1]) ?? "", String(a, "TrainLabels", "data.train.labels"));
                var validPath = String(a, "Valid", "data.valid");
                var validLabels = String(a, "ValidLabels", "data.valid.labels");
                if (format == DataFormat.Idx && (train.Labels is null || validPath is not null && validLabels is null))
                    Missing(train.Labels is null ? "data.train.labels" : "data.valid.labels", train.Labels is null ? "TrainLabels" : "ValidLabels", "[Data] for idx data", a);
                if (format != DataFormat.Idx && (train.Labels is not null || validLabels is not null))
                    Fail("data.train", SpecDiagnostics.WrongType, a.NamedSyntax(train.Labels is not null ? "TrainLabels" : "ValidLabels"),
                        "data.train", "a path (the {images, labels} form is for idx data only)", "images and labels");
                var mean = DoubleArray(a, "Mean", "data.transforms.normalize.mean");
                var std = DoubleArray(a, "Std", "data.transforms.normalize.std");
                if ((a.Named("Mean") is null) != (a.Named("Std") is null))
                    Missing(a.Named("Mean") is null ? "data.transforms.normalize.mean" : "data.transforms.normalize.std",
                        a.Named("Mean") is null ? "Mean" : "Std", "[Data] normalization", a);
                Record("data.transforms.normalize", a.NamedSyntax("Mean"));
                return new DataSpec(
                    Format: format,
                    Train: train,
                    Valid: validPath is null ? null : new DataSourceSpec(validPath, validLabels),
                    Split: Double(a, "Split", "data.split"),
                    BatchSize: Int(a, "BatchSize", "data.batch-size") ?? SpecDefaults.BatchSize,
                    Shuffle: Bool(a, "Shuffle", "data.shuffle") ?? SpecDefaults.Shuffle,
                    Classes: IntArray(a, "Classes", "data.classes"),
                    LabelColumn: String(a, "LabelColumn", "data.label-column"),
                    Transforms: new TransformSpec(
                        IntArray(a, "Resize", "data.transforms.resize"),
                        Int(a, "Channels", "data.transforms.channels"),
                        Double(a, "Scale", "data.transforms.scale"),
                        mean, std,
                        Bool(a, "RandomFlip", "data.transforms.random-flip") ?? SpecDefaults.RandomFlip,
                        Int(a, "RandomCrop", "data.transforms.random-crop") ?? SpecDefaults.RandomCrop),
                    Prefetch: Int(a, "Prefetch", "data.prefetch") ?? SpecDefaults.Prefetch);
            }

            private OptimizerSpec ReadOptimizer(List<Attr> attrs, Attr fineTune)
            {
                var fallback = new OptimizerSpec(SpecDefaults.Optimizer, 0, SpecDefaults.WeightDecay, SpecDefaults.Momentum, SpecDefaults.Nesterov, SpecDefaults.Beta1, SpecDefaults.Beta2, SpecDefaults.Epsilon, null);
                if (attrs.Count == 0)
                {
                    Missing("optimizer.lr", "[Optimizer(...)]", "a [FineTune] class", fineTune);
                    return fallback;
                }
                var a = attrs[0];
                Record("optimizer", a.Positional(0));
                Record("optimizer.lr", a.Positional(1));
                var kind = EnumValue(Str(a.Data.ConstructorArguments[0]) ?? "", "optimizer", SpecNames.Optimizers, a.Positional(0));
                if (kind is null) return fallback;
                // Options of another kind are unknown keys, as in YAML (`momentum` under adam).
                var foreign = kind == OptimizerKind.Sgd ? new[] { "Beta1", "Beta2", "Eps" } : new[] { "Momentum", "Nesterov" };
                foreach (var option in foreign.Where(o => a.Named(o) is not null))
                    Fail("optimizer", SpecDiagnostics.UnknownKey, a.NamedSyntax(option), option, "[Optimizer(\"" + SpecNames.Optimizers.NameOf(kind.Value) + "\")]", "");
                return new OptimizerSpec(
                    Kind: kind.Value,
                    LearningRate: a.Data.ConstructorArguments[1].Value is double lr ? lr : 0,
                    WeightDecay: Double(a, "WeightDecay", "optimizer.weight-decay") ?? SpecDefaults.WeightDecay,
                    Momentum: Double(a, "Momentum", "optimizer.momentum") ?? SpecDefaults.Momentum,
                    Nesterov: Bool(a, "Nesterov", "optimizer.nesterov") ?? SpecDefaults.Nesterov,
                    Beta1: Double(a, "Beta1", "optimizer.betas[0]") ?? SpecDefaults.Beta1,
                    Beta2: Double(a, "Beta2", "optimizer.betas[1]") ?? SpecDefaults.Beta2,
                    Epsilon: Double(a, "Eps", "optimizer.eps") ?? SpecDefaults.Epsilon,
                    GradientClip: Double(a, "GradClip", "optimizer.grad-clip"));
            }

            private EquatableArray<PhaseSpec> ReadPhases(List<Attr> attrs, List<Attr> rates)
            {
                var phases = new List<PhaseSpec>();
                var names = attrs.Select(a => Str(a.Data.ConstructorArguments[0]) ?? "").ToList();
                for (int p = 0; p < attrs.Count; p++)
                {
                    var a = attrs[p];
                    var path = "phases[" + p + "]";
                    Record(path, a.Syntax);
                    Record(path + ".name", a.Positional(0));
                    Record(path + ".epochs", a.Positional(1));
                    Record(path + ".train", a.Syntax);
                    var train = Values(a.Data.ConstructorArguments[2]).Select(Str).ToList();
                    for (int t = 0; t < train.Count; t++) Record(path + ".train[" + t + "]", a.ParamsElement(2, t));

                    var lrs = new List<GroupRate>();
                    if (Double(a, "Lr", path + ".lr") is { } phaseRate) lrs.Add(new GroupRate(null, phaseRate));
                    foreach (var r in rates.Where(r => Str(r.Data.ConstructorArguments[0]) == names[p]))
                    {
                        var group = Str(r.Data.ConstructorArguments[1]) ?? "";
                        Record(path + ".lr." + group + ".$key", r.Positional(1));
                        Record(path + ".lr." + group, r.Positional(2));
                        lrs.Add(new GroupRate(group, r.Data.ConstructorArguments[2].Value is double v ? v : 0));
                    }
                    phases.Add(new PhaseSpec(
                        Name: names[p],
                        Epochs: a.Data.ConstructorArguments[1].Value is int epochs ? epochs : 1,
                        Train: train.Select(t => t ?? "").ToEquatableArray(),
                        LearningRates: lrs.ToEquatableArray(),
                        Schedule: ReadSchedule(a, path + ".schedule"),
                        BatchNorm: Enum(a, "BatchNorm", path + ".batch-norm", SpecNames.BatchNormPolicies))
                    {
                        FeatureCache = Bool(a, "FeatureCache", path + ".feature-cache"),
                    });
                }
                foreach (var r in rates)
                {
                    var phase = Str(r.Data.ConstructorArguments[0]) ?? "";
                    if (!names.Contains(phase))
                        Fail("phases", SpecDiagnostics.InvalidValue, r.Positional(0), phase, "[LearningRate] phase", string.Join(", ", names), SpecDiagnostics.DidYouMeanSuffix(phase, names));
                }
                return phases.ToEquatableArray();
            }

            private ScheduleSpec ReadSchedule(Attr a, string path)
            {
                var defaults = ScheduleSpec.Constant;
                Record(path, a.NamedSyntax("Schedule"));
                var kind = Enum(a, "Schedule", path, SpecNames.Schedules) ?? SpecDefaults.Schedule;
                var allowed = new List<string> { "WarmupSteps", "WarmupRatio" };
                if (kind == ScheduleKind.Step) allowed.AddRange(new[] { "StepSize", "Gamma" });
                if (kind == ScheduleKind.Cosine || kind == ScheduleKind.OneCycle) allowed.Add("MinLrFactor");
                if (kind == ScheduleKind.OneCycle) allowed.Add("PctStart");
                foreach (var option in new[] { "StepSize", "Gamma", "MinLrFactor", "PctStart", "WarmupSteps", "WarmupRatio" })
                    if (!allowed.Contains(option) && a.Named(option) is not null)
                        Fail(path, SpecDiagnostics.UnknownKey, a.NamedSyntax(option), option, "a " + SpecNames.Schedules.NameOf(kind) + " schedule", "");
                return new ScheduleSpec(
                    Kind: kind,
                    StepSize: Int(a, "StepSize", path + ".step-size") ?? defaults.StepSize,
                    Gamma: Double(a, "Gamma", path + ".gamma") ?? defaults.Gamma,
                    MinLearningRateFactor: Double(a, "MinLrFactor", path + ".min-lr-factor") ?? defaults.MinLearningRateFactor,
                    WarmupSteps: Int(a, "WarmupSteps", path + ".warmup-steps"),
                    WarmupRatio: Double(a, "WarmupRatio", path + ".warmup-ratio"),
                    PctStart: Double(a, "PctStart", path + ".pct-start") ?? defaults.PctStart);
            }

            private EarlyStoppingSpec ReadEarlyStopping(Attr a)
            {
                Record("early-stopping", a.Syntax);
                return new EarlyStoppingSpec(
                    Monitor: String(a, "Monitor", "early-stopping.monitor") ?? SpecDefaults.Monitor,
                    Mode: Enum(a, "Mode", "early-stopping.mode", SpecNames.MonitorModes),
                    Patience: Int(a, "Patience", "early-stopping.patience") ?? SpecDefaults.Patience,
                    MinDelta: Double(a, "MinDelta", "early-stopping.min-delta") ?? SpecDefaults.MinDelta,
                    RestoreBest: Bool(a, "RestoreBest", "early-stopping.restore-best") ?? SpecDefaults.RestoreBest);
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
