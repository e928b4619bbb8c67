using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace SpecTune.Spec
{
    /// <summary>
    /// Semantic checks that need no knowledge of the base architecture's parameters: names, references
    /// between groups and phases, ranges, and whether loss, head and metrics fit the task. Each
    /// diagnostic is placed at the offending value through <see cref="FineTuneSpec.Locations"/>.
    /// </summary>
    public static class SpecChecker
    {
        private static readonly string[] Monitors =
            (from split in new[] { "train", "val" }
             from metric in new[] { "loss", "accuracy", "precision", "recall", "f1" }
             select split + "-" + metric).ToArray();

        private static readonly Regex MonitorPattern = new Regex(SpecGrammar.MonitorPattern, RegexOptions.CultureInvariant);
        private static readonly Regex DevicePattern = new Regex(SpecGrammar.DevicePattern, RegexOptions.CultureInvariant);
        private static readonly Regex NamePattern = new Regex(SpecGrammar.NamePattern, RegexOptions.CultureInvariant);

        /// <summary>Checks <paramref name="spec"/>; the result is empty when it is sound.</summary>
        public static EquatableArray<SpecDiagnostic> Check(FineTuneSpec spec) => Check(spec, null).ToEquatableArray();

        /// <param name="spec">The spec.</param>
        /// <param name="unreliable">
        /// Spec paths the reader could not read (a placeholder stands there); rules touching them are
        /// skipped so that one mistake is reported once, not again as a follow-on error.
        /// </param>
        internal static List<SpecDiagnostic> Check(FineTuneSpec spec, ICollection<string>? unreliable)
        {
            var run = new Run(spec, unreliable ?? Array.Empty<string>());
            run.CheckTop();
            run.CheckBase();
            run.CheckGroups();
            run.CheckHead();
            run.CheckTaskFit();
            run.CheckData();
            run.CheckOptimizer();
            run.CheckPhases();
            run.CheckEarlyStopping();
            run.Diagnostics.AddRange(SizeChecker.Check(spec, unreliable ?? Array.Empty<string>()));
            return run.Diagnostics;
        }

        private sealed class Run
        {
            private readonly FineTuneSpec _spec;
            private readonly ICollection<string> _unreliable;

            public Run(FineTuneSpec spec, ICollection<string> unreliable)
            {
                _spec = spec;
                _unreliable = unreliable;
            }

            public List<SpecDiagnostic> Diagnostics { get; } = new List<SpecDiagnostic>();

            public void CheckTop()
            {
                if (_spec.Version != 1) Report(SpecDiagnostics.UnsupportedVersion, "spectune", _spec.Version);
                if (!CSharpNames.IsTypeName(_spec.Name))
                    Report(SpecDiagnostics.InvalidIdentifier, "name", _spec.Name, "C# name for the generated class (an identifier, not a keyword or contextual keyword)");
                if (_spec.Namespace is { } ns && !ns.Split('.').All(CSharpNames.IsNamespacePart))
                    Report(SpecDiagnostics.InvalidIdentifier, "namespace", ns, "namespace (dotted C# identifiers)");
                if (!DevicePattern.IsMatch(_spec.Device)) Report(SpecDiagnostics.InvalidDevice, "device", _spec.Device);
                if (_spec.Threads is { } threads) InRange("threads", "threads", threads);
                if (_spec.Regularization is { L2Sp: var alpha }) InRange("regularization.l2-sp", "regularization.l2-sp", alpha);
            }

            public void CheckBase()
            {
                var architecture = _spec.Base.Architecture;
                bool hasArchitecture = architecture.Length > 0, hasOnnx = _spec.Base.Onnx is not null;
                if (hasArchitecture == hasOnnx)
                    Report(SpecDiagnostics.BaseSourceNotOne, hasOnnx ? "base.onnx" : "base", hasOnnx ? "both are given" : "neither is given");
                else if (!hasOnnx && _spec.Base.CutAt is not null)
                    Report(SpecDiagnostics.CutAtWithoutOnnx, "base.cut-at");
                if (hasArchitecture && Array.IndexOf(ArchitectureCatalog.Names, architecture) < 0)
                    Report(SpecDiagnostics.UnknownArchitecture, "base.architecture", architecture, string.Join(", ", ArchitectureCatalog.Names),
                        SpecDiagnostics.DidYouMeanSuffix(architecture, ArchitectureCatalog.Names));
                if (_spec.Base.Input.IsEmpty)
                    Report(SpecDiagnostics.OutOfRange, "base.input", "base.input", "a non-empty list of sizes", "empty");
                PositiveItems(_spec.Base.Input, "base.input");
                PositiveItems(_spec.Base.Hidden, "base.hidden");
            }

            public void CheckGroups()
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var group in _spec.Groups)
                {
                    var path = "groups." + group.Name;
                    if (group.Name is "head" or "base") Report(SpecDiagnostics.ReservedGroup, path + ".$key", group.Name);
                    else if (!NamePattern.IsMatch(group.Name)) Report(SpecDiagnostics.InvalidName, path + ".$key", group.Name, "group");
                    if (!seen.Add(group.Name)) Report(SpecDiagnostics.DuplicateGroup, path + ".$key", group.Name);
                    if (group.Patterns.IsEmpty) Report(SpecDiagnostics.EmptyGroup, path, group.Name);
                }
            }

            public void CheckHead()
            {
                var layers = _spec.Head.Layers;
                for (int i = 0; i < layers.Count; i++)
                {
                    var layer = layers[i];
                    if (layer.Kind == HeadLayerKind.Linear && layer.Units is { } units && units <= 0)
                        Report(SpecDiagnostics.NotPositive, $"head.layers[{i}]", "linear", units);
                    if (layer.Kind == HeadLayerKind.Dropout && layer.Rate is { } rate && !ValueRanges.Dropout.Contains(rate))
                        Report(SpecDiagnostics.OutOfRange, $"head.layers[{i}]", "dropout", ValueRanges.Dropout.Describe(), rate);
                }
                if (!Known("head.layers")) return;
                if (!layers.Any(l => l.Kind == HeadLayerKind.Linear)) Report(SpecDiagnostics.HeadWithoutLinear, "head.layers");
            }

            public void CheckTaskFit()
            {
                if (!Known("task")) return;
                var task = _spec.Task;
                var expected = TaskRules.LossFor(task);
                if (Known("loss") && !TaskRules.LossFits(_spec.Loss.Kind, task))
                    Report(SpecDiagnostics.LossDoesNotFitTask, "loss",
                        SpecNames.Losses.NameOf(_spec.Loss.Kind), SpecNames.Tasks.NameOf(task), SpecNames.Losses.NameOf(expected));
                var smoothing = _spec.Loss.LabelSmoothing;
                if (!ValueRanges.LabelSmoothing.Contains(smoothing))
                    Report(SpecDiagnostics.OutOfRange, "loss.label-smoothing", "label-smoothing", ValueRanges.LabelSmoothing.Describe(), smoothing);

                if (task == TaskKind.Regression)
                    for (int i = 0; i < _spec.Metrics.Count; i++)
                        Report(SpecDiagnostics.MetricDoesNotFitTask, $"metrics[{i}]", SpecNames.Metrics.NameOf(_spec.Metrics[i]));

                if (task != TaskKind.BinaryClassification || !Known("head.layers")) return;
                var layers = _spec.Head.Layers;
                for (int i = layers.Count - 1; i >= 0; i--)
                {
                    if (layers[i].Kind != HeadLayerKind.Linear) continue;
                    if (layers[i].Units != 1) Report(SpecDiagnostics.BinaryHeadWidth, $"head.layers[{i}]", layers[i].Units);
                    break;
                }
                for (int i = 0; i < layers.Count; i++)
                    if (layers[i].Kind == HeadLayerKind.Softmax) Report(SpecDiagnostics.SoftmaxForBinary, $"head.layers[{i}]");
            }

            public void CheckData()
            {
                var data = _spec.Data;
                InRange("data.batch-size", "data.batch-size", data.BatchSize);
                InRange("data.prefetch", "data.prefetch", data.Prefetch);
                if (data.Split is { } split)
                {
                    if (InRange("data.split", "data.split", split) && data.Valid is not null) Report(SpecDiagnostics.SplitIgnored, "data.split");
                }
                for (int i = 0; i < data.Classes.Count; i++)
                    if (data.Classes[i] < 0) Report(SpecDiagnostics.OutOfRange, $"data.classes[{i}]", "data.classes", "labels of 0 or more", data.Classes[i]);

                var transforms = data.Transforms;
                if (!transforms.Resize.IsEmpty && transforms.Resize.Count != 2)
                    Report(SpecDiagnostics.WrongLength, "data.transforms.resize", "data.transforms.resize", "2 ([height, width])", transforms.Resize.Count);
                PositiveItems(transforms.Resize, "data.transforms.resize");
                if (transforms.Channels is { } channels && channels != 1 && channels != 3)
                    Report(SpecDiagnostics.OutOfRange, "data.transforms.channels", "data.transforms.channels", "1 or 3", channels);
                if (transforms.Scale is { } scale) InRange("data.transforms.scale", "data.transforms.scale", scale);
                InRange("data.transforms.random-crop", "data.transforms.random-crop", transforms.RandomCrop);
                if (transforms.Mean.Count != transforms.Std.Count && Known("data.transforms.normalize"))
                    Report(SpecDiagnostics.NormalizeLengths, "data.transforms.normalize.std", transforms.Mean.Count, transforms.Std.Count);
                for (int i = 0; i < transforms.Std.Count; i++)
                    InRange("data.transforms.normalize.std", $"data.transforms.normalize.std[{i}]", transforms.Std[i], "normalize.std");
            }

            public void CheckOptimizer()
            {
                var o = _spec.Optimizer;
                InRange("optimizer.lr", "optimizer.lr", o.LearningRate);
                InRange("optimizer.weight-decay", "optimizer.weight-decay", o.WeightDecay);
                InRange("optimizer.momentum", "optimizer.momentum", o.Momentum);
                InRange("optimizer.betas", "optimizer.betas[0]", o.Beta1);
                InRange("optimizer.betas", "optimizer.betas[1]", o.Beta2);
                InRange("optimizer.eps", "optimizer.eps", o.Epsilon);
                if (o.GradientClip is { } clip) InRange("optimizer.grad-clip", "optimizer.grad-clip", clip);
            }

            public void CheckPhases()
            {
                var phases = _spec.Phases;
                if (phases.IsEmpty)
                {
                    Report(SpecDiagnostics.NoPhases, "phases");
                    return;
                }
                // `head` is always a group (the new head's parameters); `base` holds the base parameters no group claims.
                var groups = new[] { "head", "base" }.Concat(_spec.Groups.Select(g => g.Name)).Distinct().ToArray();
                var names = new HashSet<string>(StringComparer.Ordinal);
                for (int p = 0; p < phases.Count; p++)
                {
                    var phase = phases[p];
                    var path = $"phases[{p}]";
                    if (!NamePattern.IsMatch(phase.Name)) Report(SpecDiagnostics.InvalidName, path + ".name", phase.Name, "phase");
                    else if (!names.Add(phase.Name)) Report(SpecDiagnostics.DuplicatePhase, path + ".name", phase.Name);
                    InRange("phases[].epochs", path + ".epochs", phase.Epochs);

                    if (phase.Train.IsEmpty) Report(SpecDiagnostics.PhaseTrainsNothing, path + ".train", phase.Name);
                    var trained = new HashSet<string>(StringComparer.Ordinal);
                    for (int t = 0; t < phase.Train.Count; t++)
                    {
                        var group = phase.Train[t];
                        var itemPath = $"{path}.train[{t}]";
                        if (Array.IndexOf(groups, group) < 0)
                        {
                            if (Known("groups"))
                                Report(SpecDiagnostics.UnknownGroup, itemPath, phase.Name, group, string.Join(", ", groups), SpecDiagnostics.DidYouMeanSuffix(group, groups));
                        }
                        else if (!trained.Add(group))
                        {
                            Report(SpecDiagnostics.GroupTrainedTwice, itemPath, phase.Name, group);
                        }
                    }

                    foreach (var rate in phase.LearningRates)
                    {
                        var ratePath = rate.Group is null ? path + ".lr" : path + ".lr." + rate.Group;
                        InRange("phases[].lr", ratePath, rate.LearningRate);
                        if (rate.Group is not null && !phase.Train.Contains(rate.Group) && Known(path + ".train"))
                            Report(SpecDiagnostics.RateForUntrainedGroup, ratePath, phase.Name, rate.Group);
                    }
                    CheckSchedule(phase, path + ".schedule");
                }
            }

            private void CheckSchedule(PhaseSpec phase, string path)
            {
                var s = phase.Schedule;
                if (s.WarmupSteps is not null && s.WarmupRatio is not null) Report(SpecDiagnostics.WarmupConflict, path + ".warmup-ratio", phase.Name);
                const string schedule = "phases[].schedule.";
                if (s.WarmupSteps is { } steps) InRange(schedule + "warmup-steps", path + ".warmup-steps", steps);
                if (s.WarmupRatio is { } ratio) InRange(schedule + "warmup-ratio", path + ".warmup-ratio", ratio);
                InRange(schedule + "step-size", path + ".step-size", s.StepSize);
                InRange(schedule + "gamma", path + ".gamma", s.Gamma);
                InRange(schedule + "min-lr-factor", path + ".min-lr-factor", s.MinLearningRateFactor);
                InRange(schedule + "pct-start", path + ".pct-start", s.PctStart);
            }

            public void CheckEarlyStopping()
            {
                if (_spec.EarlyStopping is not { } stopping) return;
                if (!MonitorPattern.IsMatch(stopping.Monitor))
                    Report(SpecDiagnostics.InvalidMonitor, "early-stopping.monitor", stopping.Monitor, SpecDiagnostics.DidYouMeanSuffix(stopping.Monitor, Monitors));
                InRange("early-stopping.patience", "early-stopping.patience", stopping.Patience);
                InRange("early-stopping.min-delta", "early-stopping.min-delta", stopping.MinDelta);
            }

            private void PositiveItems(EquatableArray<int> items, string path)
            {
                for (int i = 0; i < items.Count; i++)
                    if (items[i] <= 0) Report(SpecDiagnostics.NotPositive, $"{path}[{i}]", $"{path}[{i}]", items[i]);
            }

            /// <summary>
            /// Checks <paramref name="value"/> against the grammar's range for <paramref name="grammarPath"/> (the range the
            /// schema states too): SPT0107 when it must be positive and is not, SPT0108 otherwise. True when it is in range.
            /// </summary>
            private bool InRange(string grammarPath, string path, double value, string? display = null)
            {
                var range = SpecGrammar.Get(grammarPath).Range!;
                if (range.Contains(value)) return true;
                var positive = range.Min == 0 && range.MinExclusive && value <= 0 ||
                               range.Max is null && range.Min == 1 && !range.MinExclusive && value == Math.Floor(value);
                if (positive) Report(SpecDiagnostics.NotPositive, path, display ?? path, value);
                else Report(SpecDiagnostics.OutOfRange, path, display ?? path, range.Describe(), value);
                return false;
            }

            /// <summary>False when the reader failed at <paramref name="path"/>, inside it, or around it.</summary>
            private bool Known(string path)
            {
                foreach (var bad in _unreliable)
                    if (Encloses(bad, path) || Encloses(path, bad)) return false;
                return true;
            }

            private static bool Encloses(string outer, string inner) =>
                outer.Length == 0
                || inner == outer
                || (inner.Length > outer.Length && inner.StartsWith(outer, StringComparison.Ordinal) && (inner[outer.Length] == '.' || inner[outer.Length] == '['));

            private void Report(SpecDiagnosticDescriptor descriptor, string path, params object?[] args)
            {
                if (!Known(path)) return;
                Diagnostics.Add(descriptor.Create(_spec.SourcePath, _spec.Locations.Find(path), args));
            }
        }
    }
}
