using System;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SpecTune.Spec
{
    /// <summary>
    /// A fingerprint of what a spec asks for. The runtime stores it in checkpoints to refuse resuming
    /// under a different spec; moving or reformatting the file must not change it, so
    /// <see cref="FineTuneSpec.SourcePath"/> and <see cref="FineTuneSpec.Locations"/> are left out.
    /// </summary>
    public static class SpecHash
    {
        /// <summary>Lower-case hex SHA-256 of the spec's canonical rendering.</summary>
        public static string Compute(FineTuneSpec spec)
        {
            var text = Render(spec);
            using var sha = SHA256.Create();
            var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(text));
            var hex = new StringBuilder(hash.Length * 2);
            foreach (var b in hash) hex.Append(b.ToString("x2", CultureInfo.InvariantCulture));
            return hex.ToString();
        }

        /// <summary>
        /// One `field=value` line per value, in a fixed order. Strings are length-prefixed and lists
        /// count-prefixed so that no two different specs render alike; numbers use the invariant
        /// round-trip form, so `1e-3` and `0.001` are the same value.
        /// </summary>
        internal static string Render(FineTuneSpec spec)
        {
            var w = new Writer();
            w.Field("version", spec.Version);
            w.Field("name", spec.Name);
            w.Field("namespace", spec.Namespace);
            w.Field("base.architecture", spec.Base.Architecture);
            w.Field("base.weights", spec.Base.Weights);
            w.List("base.input", spec.Base.Input);
            w.List("base.hidden", spec.Base.Hidden);
            w.Field("base.strict", spec.Base.Strict);
            w.Field("base.onnx", spec.Base.Onnx);
            w.Field("base.cut-at", spec.Base.CutAt);
            foreach (var rename in spec.Base.Rename)
            {
                w.Field("rename.from", rename.From);
                w.Field("rename.to", rename.To);
            }
            w.Count("groups", spec.Groups.Count);
            foreach (var group in spec.Groups)
            {
                w.Field("group.name", group.Name);
                w.Count("group.patterns", group.Patterns.Count);
                foreach (var pattern in group.Patterns) w.Field("group.pattern", pattern);
            }
            w.Field("head.replace", spec.Head.Replace);
            w.Count("head.layers", spec.Head.Layers.Count);
            foreach (var layer in spec.Head.Layers)
            {
                w.Field("layer.kind", layer.Kind);
                w.Field("layer.units", layer.Units);
                w.Field("layer.rate", layer.Rate);
            }
            w.Field("task", spec.Task);
            RenderData(w, spec.Data);
            w.Field("loss.kind", spec.Loss.Kind);
            w.Field("loss.label-smoothing", spec.Loss.LabelSmoothing);
            w.Count("metrics", spec.Metrics.Count);
            foreach (var metric in spec.Metrics) w.Field("metric", metric);
            var o = spec.Optimizer;
            w.Field("optimizer.kind", o.Kind);
            w.Field("optimizer.lr", o.LearningRate);
            w.Field("optimizer.weight-decay", o.WeightDecay);
            w.Field("optimizer.momentum", o.Momentum);
            w.Field("optimizer.nesterov", o.Nesterov);
            w.Field("optimizer.beta1", o.Beta1);
            w.Field("optimizer.beta2", o.Beta2);
            w.Field("optimizer.eps", o.Epsilon);
            w.Field("optimizer.grad-clip", o.GradientClip);
            w.Count("phases", spec.Phases.Count);
            foreach (var phase in spec.Phases) RenderPhase(w, phase);
            w.Field("early-stopping", spec.EarlyStopping is not null);
            if (spec.EarlyStopping is { } e)
            {
                w.Field("early-stopping.monitor", e.Monitor);
                w.Field("early-stopping.mode", e.Mode);
                w.Field("early-stopping.patience", e.Patience);
                w.Field("early-stopping.min-delta", e.MinDelta);
                w.Field("early-stopping.restore-best", e.RestoreBest);
            }
            w.Field("regularization", spec.Regularization is not null);
            if (spec.Regularization is { } r) w.Field("regularization.l2-sp", r.L2Sp);
            w.Field("seed", spec.Seed);
            w.Field("output", spec.Output);
            w.Field("checkpoints", spec.Checkpoints);
            w.Field("metrics-log", spec.MetricsLog);
            w.Field("device", spec.Device);
            w.Field("threads", spec.Threads);
            w.Field("batch-norm", spec.BatchNorm);
            // Rendered only when set away from its default, so specs written before the key existed keep their hash
            // (and their checkpoints stay resumable).
            if (!spec.FeatureCache) w.Field("feature-cache", spec.FeatureCache);
            return w.ToString();
        }

        private static void RenderData(Writer w, DataSpec data)
        {
            w.Field("data.format", data.Format);
            w.Field("data.train.path", data.Train.Path);
            w.Field("data.train.labels", data.Train.Labels);
            w.Field("data.valid", data.Valid is not null);
            if (data.Valid is { } valid)
            {
                w.Field("data.valid.path", valid.Path);
                w.Field("data.valid.labels", valid.Labels);
            }
            w.Field("data.split", data.Split);
            w.Field("data.batch-size", data.BatchSize);
            w.Field("data.shuffle", data.Shuffle);
            w.List("data.classes", data.Classes);
            w.Field("data.label-column", data.LabelColumn);
            var t = data.Transforms;
            w.List("transforms.resize", t.Resize);
            w.Field("transforms.channels", t.Channels);
            w.Field("transforms.scale", t.Scale);
            w.List("transforms.mean", t.Mean);
            w.List("transforms.std", t.Std);
            w.Field("transforms.random-flip", t.RandomFlip);
            w.Field("transforms.random-crop", t.RandomCrop);
            w.Field("data.prefetch", data.Prefetch);
        }

        private static void RenderPhase(Writer w, PhaseSpec phase)
        {
            w.Field("phase.name", phase.Name);
            w.Field("phase.epochs", phase.Epochs);
            w.Count("phase.train", phase.Train.Count);
            foreach (var group in phase.Train) w.Field("phase.train.group", group);
            w.Count("phase.lr", phase.LearningRates.Count);
            foreach (var rate in phase.LearningRates)
            {
                w.Field("phase.lr.group", rate.Group);
                w.Field("phase.lr.rate", rate.LearningRate);
            }
            var s = phase.Schedule;
            w.Field("schedule.kind", s.Kind);
            w.Field("schedule.step-size", s.StepSize);
            w.Field("schedule.gamma", s.Gamma);
            w.Field("schedule.min-lr-factor", s.MinLearningRateFactor);
            w.Field("schedule.warmup-steps", s.WarmupSteps);
            w.Field("schedule.warmup-ratio", s.WarmupRatio);
            w.Field("schedule.pct-start", s.PctStart);
            w.Field("phase.batch-norm", phase.BatchNorm);
            if (phase.FeatureCache is bool phaseCache) w.Field("phase.feature-cache", phaseCache);
        }

        private sealed class Writer
        {
            private readonly StringBuilder _text = new StringBuilder();

            public void Field(string name, string? value) =>
                Line(name, value is null ? "null" : value.Length.ToString(CultureInfo.InvariantCulture) + ":" + value);

            public void Field(string name, int? value) => Line(name, value?.ToString(CultureInfo.InvariantCulture) ?? "null");

            public void Field(string name, double? value) => Line(name, value?.ToString("R", CultureInfo.InvariantCulture) ?? "null");

            public void Field(string name, bool value) => Line(name, value ? "true" : "false");

            public void Field<T>(string name, T? value) where T : struct, Enum => Line(name, value?.ToString() ?? "null");

            public void Field<T>(string name, T value) where T : struct, Enum => Line(name, value.ToString());

            public void Count(string name, int count) => Line(name + ".count", count.ToString(CultureInfo.InvariantCulture));

            public void List(string name, EquatableArray<int> items)
            {
                Count(name, items.Count);
                foreach (var item in items) Field(name + "[]", item);
            }

            public void List(string name, EquatableArray<double> items)
            {
                Count(name, items.Count);
                foreach (var item in items) Field(name + "[]", item);
            }

            public override string ToString() => _text.ToString();

            private void Line(string name, string value) => _text.Append(name).Append('=').Append(value).Append('\n');
        }
    }
}
