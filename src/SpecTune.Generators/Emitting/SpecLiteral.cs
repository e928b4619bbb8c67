using System.Collections.Generic;
using System.Linq;
using SpecTune.Spec;

namespace SpecTune.Generators.Emitting
{
    /// <summary>
    /// Writes a <see cref="FineTuneSpec"/> as a C# expression with named arguments: a record fits on one line when it
    /// is short, otherwise one argument per line, so the generated spec reads like the YAML it came from.
    /// </summary>
    internal static class SpecLiteral
    {
        private const string Ns = "global::SpecTune.Spec.";
        private const int LineLimit = 120;

        public static void Emit(IndentedWriter w, FineTuneSpec spec)
        {
            w.Line("/// <summary>The spec this class was generated from, as the YAML reader reads it (without source path and locations).</summary>");
            w.Lines("public static " + Ns + "FineTuneSpec Spec { get; } = " + Render(Spec(spec), 0) + ";");
            w.Line();
        }

        private abstract class Node
        {
        }

        private sealed class Raw : Node
        {
            public Raw(string text) => Text = text;
            public string Text { get; }
        }

        private sealed class New : Node
        {
            public New(string type, params (string, Node?)[] members)
            {
                Type = type;
                Members = members.Where(m => m.Item2 is not null).Select(m => (m.Item1, m.Item2!)).ToList();
            }

            public string Type { get; }
            public List<(string Name, Node Value)> Members { get; }
            /// <summary>Init-only members, e.g. ` { FeatureCache = false }`; written only when they differ from their defaults.</summary>
            public string Init { get; set; } = "";
        }

        private sealed class Many : Node
        {
            public Many(string elementType, IEnumerable<Node> items)
            {
                ElementType = elementType;
                Items = items.ToList();
            }

            public string ElementType { get; }
            public List<Node> Items { get; }
        }

        private static Node Spec(FineTuneSpec s) => new New(Ns + "FineTuneSpec",
            ("Version", Int(s.Version)),
            ("Name", Str(s.Name)),
            ("Namespace", Str(s.Namespace)),
            ("Base", Base(s.Base)),
            ("Groups", new Many(Ns + "GroupSpec", s.Groups.Select(g => new New(Ns + "GroupSpec", ("Name", Str(g.Name)), ("Patterns", Strings(g.Patterns)))))),
            ("Head", new New(Ns + "HeadSpec",
                ("Replace", Str(s.Head.Replace)),
                ("Layers", new Many(Ns + "HeadLayerSpec", s.Head.Layers.Select(l =>
                    new New(Ns + "HeadLayerSpec", ("Kind", Enum(l.Kind)), ("Units", Int(l.Units)), ("Rate", Dbl(l.Rate)))))))),
            ("Task", Enum(s.Task)),
            ("Data", Data(s.Data)),
            ("Loss", new New(Ns + "LossSpec", ("Kind", Enum(s.Loss.Kind)), ("LabelSmoothing", Dbl(s.Loss.LabelSmoothing)))),
            ("Metrics", new Many(Ns + "MetricKind", s.Metrics.Select(m => Enum(m)))),
            ("Optimizer", Optimizer(s.Optimizer)),
            ("Phases", new Many(Ns + "PhaseSpec", s.Phases.Select(Phase))),
            ("EarlyStopping", s.EarlyStopping is { } e
                ? new New(Ns + "EarlyStoppingSpec", ("Monitor", Str(e.Monitor)), ("Mode", Enum(e.Mode)), ("Patience", Int(e.Patience)),
                    ("MinDelta", Dbl(e.MinDelta)), ("RestoreBest", Bool(e.RestoreBest)))
                : new Raw("null")),
            ("Regularization", s.Regularization is { } r ? new New(Ns + "RegularizationSpec", ("L2Sp", Dbl(r.L2Sp))) : new Raw("null")),
            ("Seed", Int(s.Seed)),
            ("Output", Str(s.Output)),
            ("Checkpoints", Str(s.Checkpoints)),
            ("MetricsLog", Str(s.MetricsLog)),
            ("Device", Str(s.Device)),
            ("Threads", Int(s.Threads)),
            ("BatchNorm", Enum(s.BatchNorm)),
            ("SourcePath", new Raw("null")),
            ("Locations", new Raw(Ns + "SourceMap.Empty")))
        {
            Init = s.FeatureCache == SpecDefaults.FeatureCache ? "" : " { FeatureCache = " + CSharpLiteral.Bool(s.FeatureCache) + " }",
        };

        // Onnx, CutAt and Rename are optional parameters, written only when set so zoo specs keep their short form.
        private static Node Base(BaseSpec b) => new New(Ns + "BaseSpec",
            ("Architecture", Str(b.Architecture)),
            ("Weights", Str(b.Weights)),
            ("Input", Ints(b.Input)),
            ("Hidden", Ints(b.Hidden)),
            ("Strict", Bool(b.Strict)),
            ("Onnx", b.Onnx is null ? null : Str(b.Onnx)),
            ("CutAt", b.CutAt is null ? null : Str(b.CutAt)),
            ("Rename", b.Rename.IsEmpty ? null : new Many(Ns + "RenameSpec", b.Rename.Select(r => new New(Ns + "RenameSpec", ("From", Str(r.From)), ("To", Str(r.To)))))));

        private static Node Data(DataSpec d)
        {
            var t = d.Transforms;
            return new New(Ns + "DataSpec",
                ("Format", Enum(d.Format)),
                ("Train", Source(d.Train)),
                ("Valid", d.Valid is null ? new Raw("null") : Source(d.Valid)),
                ("Split", Dbl(d.Split)),
                ("BatchSize", Int(d.BatchSize)),
                ("Shuffle", Bool(d.Shuffle)),
                ("Classes", Ints(d.Classes)),
                ("LabelColumn", Str(d.LabelColumn)),
                ("Transforms", new New(Ns + "TransformSpec",
                    ("Resize", Ints(t.Resize)),
                    ("Channels", Int(t.Channels)),
                    ("Scale", Dbl(t.Scale)),
                    ("Mean", Doubles(t.Mean)),
                    ("Std", Doubles(t.Std)),
                    ("RandomFlip", Bool(t.RandomFlip)),
                    ("RandomCrop", Int(t.RandomCrop)))),
                ("Prefetch", Int(d.Prefetch)));
        }

        private static Node Source(DataSourceSpec s) => new New(Ns + "DataSourceSpec", ("Path", Str(s.Path)), ("Labels", Str(s.Labels)));

        private static Node Optimizer(OptimizerSpec o) => new New(Ns + "OptimizerSpec",
            ("Kind", Enum(o.Kind)),
            ("LearningRate", Dbl(o.LearningRate)),
            ("WeightDecay", Dbl(o.WeightDecay)),
            ("Momentum", Dbl(o.Momentum)),
            ("Nesterov", Bool(o.Nesterov)),
            ("Beta1", Dbl(o.Beta1)),
            ("Beta2", Dbl(o.Beta2)),
            ("Epsilon", Dbl(o.Epsilon)),
            ("GradientClip", Dbl(o.GradientClip)));

        private static Node Phase(PhaseSpec p)
        {
            var s = p.Schedule;
            return new New(Ns + "PhaseSpec",
                ("Name", Str(p.Name)),
                ("Epochs", Int(p.Epochs)),
                ("Train", Strings(p.Train)),
                ("LearningRates", new Many(Ns + "GroupRate", p.LearningRates.Select(r => new New(Ns + "GroupRate", ("Group", Str(r.Group)), ("LearningRate", Dbl(r.LearningRate)))))),
                ("Schedule", new New(Ns + "ScheduleSpec",
                    ("Kind", Enum(s.Kind)),
                    ("StepSize", Int(s.StepSize)),
                    ("Gamma", Dbl(s.Gamma)),
                    ("MinLearningRateFactor", Dbl(s.MinLearningRateFactor)),
                    ("WarmupSteps", Int(s.WarmupSteps)),
                    ("WarmupRatio", Dbl(s.WarmupRatio)),
                    ("PctStart", Dbl(s.PctStart)))),
                ("BatchNorm", Enum(p.BatchNorm)))
            {
                Init = p.FeatureCache is bool cache ? " { FeatureCache = " + CSharpLiteral.Bool(cache) + " }" : "",
            };
        }

        private static Node Str(string? value) => new Raw(CSharpLiteral.String(value));
        private static Node Int(int? value) => new Raw(CSharpLiteral.Int(value));
        private static Node Dbl(double? value) => new Raw(CSharpLiteral.Double(value));
        private static Node Bool(bool value) => new Raw(CSharpLiteral.Bool(value));
        private static Node Enum<T>(T value) where T : struct => new Raw(CSharpLiteral.Enum(value));
        private static Node Enum<T>(T? value) where T : struct => new Raw(CSharpLiteral.Enum(value));
        private static Node Ints(EquatableArray<int> items) => new Many("int", items.Select(i => Int(i)));
        private static Node Doubles(EquatableArray<double> items) => new Many("double", items.Select(d => Dbl(d)));
        private static Node Strings(EquatableArray<string> items) => new Many("string", items.Select(Str));

        private static string Render(Node node, int indent)
        {
            var inline = Inline(node);
            // Lists of plain values stay on one line, however long; records and lists of records break.
            if (inline.Length + 4 * indent <= LineLimit || node is Raw || node is Many { Items: var items } && items.All(i => i is Raw)) return inline;
            var pad = new string(' ', 4 * (indent + 1));
            switch (node)
            {
                case New n:
                    return "new " + n.Type + "(\n"
                        + string.Join(",\n", n.Members.Select(m => pad + m.Name + ": " + Render(m.Value, indent + 1)))
                        + ")" + n.Init;
                case Many m:
                    return "global::SpecTune.Spec.EquatableArray.Create<" + m.ElementType + ">(\n"
                        + string.Join(",\n", m.Items.Select(i => pad + Render(i, indent + 1)))
                        + ")";
                default:
                    return inline;
            }
        }

        private static string Inline(Node node) => node switch
        {
            Raw r => r.Text,
            New n => "new " + n.Type + "(" + string.Join(", ", n.Members.Select(m => m.Name + ": " + Inline(m.Value))) + ")" + n.Init,
            Many m => m.Items.Count == 0
                ? "global::SpecTune.Spec.EquatableArray<" + m.ElementType + ">.Empty"
                : "global::SpecTune.Spec.EquatableArray.Create<" + m.ElementType + ">(" + string.Join(", ", m.Items.Select(Inline)) + ")",
            _ => "",
        };
    }
}
