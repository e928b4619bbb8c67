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
    internal static partial class AttributeSpecParser
    {
        // [Group], [Head], [Data], [Optimizer], [Phase] with [LearningRate], [EarlyStopping], and [FineTune]'s Rename.
        private sealed partial class Run
        {
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
                foreach (var option in ForeignOptions("optimizer", SpecNames.Optimizers.NameOf(kind.Value)).Where(o => a.Named(o) is not null))
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
                foreach (var option in ForeignOptions("phases[].schedule", SpecNames.Schedules.NameOf(kind)))
                    if (a.Named(option) is not null)
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

            /// <summary>The attribute members of the grammar's options under <paramref name="path"/> that <paramref name="kind"/> does not take (`Momentum` for adam).</summary>
            private static IEnumerable<string> ForeignOptions(string path, string kind) =>
                SpecGrammar.ChildrenOf(path).Where(k => k.For.Count > 0 && !k.For.Contains(kind))
                    .SelectMany(k => k.Attribute.Split(','))
                    .Select(member => member.Trim().Substring(member.Trim().IndexOf('.') + 1));

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
        }
    }
}
