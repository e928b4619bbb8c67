using System;
using System.Collections.Generic;
using YamlDotNet.RepresentationModel;

namespace SpecTune.Spec
{
    // How it is trained: loss, optimizer, phases with their rates and schedules, early stopping, regularization.
    public static partial class SpecYamlReader
    {
        private static LossSpec ReadLoss(ReadContext context, MappingReader root)
        {
            var fallback = new LossSpec(SpecDefaults.Loss, SpecDefaults.LabelSmoothing);
            var node = root.Required("loss", "a loss name");
            if (node is null) return fallback;
            if (node is YamlScalarNode)
            {
                var kind = Values.Enum(context, node, "loss", SpecNames.Losses);
                return kind is null ? fallback : new LossSpec(kind.Value, SpecDefaults.LabelSmoothing);
            }
            if (!TryOneKey(context, node, "loss", "a loss name or a one-key mapping such as {cross-entropy: {label-smoothing: 0.1}}", out var key, out var value))
                return fallback;
            var named = Values.Enum(context, key, "loss", SpecNames.Losses);
            if (named is null) return fallback;
            var options = Options(context, value, "loss", "'loss." + key.Value + "'",
                SpecGrammar.KeyNames("loss", key.Value));
            return new LossSpec(named.Value, options?.Number("label-smoothing") ?? SpecDefaults.LabelSmoothing);
        }

        private static OptimizerSpec ReadOptimizer(ReadContext context, MappingReader root)
        {
            var fallback = new OptimizerSpec(SpecDefaults.Optimizer, 0, SpecDefaults.WeightDecay, SpecDefaults.Momentum, SpecDefaults.Nesterov, SpecDefaults.Beta1, SpecDefaults.Beta2, SpecDefaults.Epsilon, null);
            var node = root.Required("optimizer", "a one-key mapping such as {adam: {lr: 0.001}}");
            if (node is null) return fallback;
            if (!TryOneKey(context, node, "optimizer", "a one-key mapping such as {adam: {lr: 0.001}}", out var key, out var value))
                return fallback;
            var kind = Values.Enum(context, key, "optimizer", SpecNames.Optimizers);
            if (kind is null) return fallback;

            // Each optimizer accepts only the options it uses, so `momentum` under adam is an error, not silently ignored.
            var keys = SpecGrammar.KeyNames("optimizer", key.Value);
            var display = "'optimizer." + key.Value + "'";
            var m = Options(context, value, "optimizer", display, keys);
            if (m is null)
            {
                // `optimizer: {adam: }` has no lr, which is required.
                context.Fail("optimizer.lr", SpecDiagnostics.MissingRequired, context.SpanOf(node), "lr", display);
                return fallback with { Kind = kind.Value };
            }

            double beta1 = SpecDefaults.Beta1, beta2 = SpecDefaults.Beta2;
            var betasNode = m.Optional("betas");
            if (betasNode is not null)
            {
                var betas = Values.List(context, betasNode, "optimizer.betas", "a list of two numbers [b1, b2]", (n, p) => Values.Number(context, n, p));
                if (betas.Count == 2)
                {
                    beta1 = betas[0];
                    beta2 = betas[1];
                }
                else if (!context.Unreliable.Contains("optimizer.betas"))
                {
                    Values.WrongType(context, betasNode, "optimizer.betas", "a list of two numbers [b1, b2]");
                }
            }
            return new OptimizerSpec(
                Kind: kind.Value,
                LearningRate: m.Number("lr", required: true) ?? 0,
                WeightDecay: m.Number("weight-decay") ?? SpecDefaults.WeightDecay,
                Momentum: m.Number("momentum") ?? SpecDefaults.Momentum,
                Nesterov: m.Bool("nesterov") ?? SpecDefaults.Nesterov,
                Beta1: beta1,
                Beta2: beta2,
                Epsilon: m.Number("eps") ?? SpecDefaults.Epsilon,
                GradientClip: m.Number("grad-clip"));
        }

        private static EquatableArray<PhaseSpec> ReadPhases(ReadContext context, MappingReader root)
        {
            var node = root.Optional("phases");
            if (node is null) return EquatableArray<PhaseSpec>.Empty;
            var placeholder = new PhaseSpec("", 1, EquatableArray<string>.Empty, EquatableArray<GroupRate>.Empty, ScheduleSpec.Constant, null);
            return ReadList(context, node, "phases", "a list of phases", placeholder, (item, path) => ReadPhase(context, item, path));
        }

        private static PhaseSpec? ReadPhase(ReadContext context, YamlNode node, string path)
        {
            if (node is not YamlMappingNode mapping)
            {
                Values.WrongType(context, node, path, "a phase mapping with name, epochs and train");
                return null;
            }
            var m = new MappingReader(context, mapping, path, null, SpecGrammar.KeyNames("phases[]"));
            var name = m.String("name", required: true) ?? "";
            var epochs = m.Int("epochs", required: true) ?? 1;
            var trainNode = m.Required("train", "a list of groups");
            EquatableArray<string> train;
            if (trainNode is YamlScalarNode)
                train = Values.String(context, trainNode, path + ".train") is { } single ? EquatableArray.Create(single) : EquatableArray<string>.Empty;
            else
                train = trainNode is null ? EquatableArray<string>.Empty : ReadStrings(context, trainNode, path + ".train", "a list of groups");

            return new PhaseSpec(
                Name: name,
                Epochs: epochs,
                Train: train,
                LearningRates: ReadRates(context, m.Optional("lr"), path + ".lr"),
                Schedule: ReadSchedule(context, m.Optional("schedule"), path + ".schedule"),
                BatchNorm: m.Enum("batch-norm", SpecNames.BatchNormPolicies))
            {
                FeatureCache = m.Bool("feature-cache"),
            };
        }

        private static EquatableArray<GroupRate> ReadRates(ReadContext context, YamlNode? node, string path)
        {
            if (node is null) return EquatableArray<GroupRate>.Empty;
            if (node is YamlScalarNode)
            {
                var rate = Values.Number(context, node, path);
                return rate is null ? EquatableArray<GroupRate>.Empty : EquatableArray.Create(new GroupRate(null, rate.Value));
            }
            if (node is not YamlMappingNode mapping)
            {
                Values.WrongType(context, node, path, "a number or a mapping of group names to numbers");
                return EquatableArray<GroupRate>.Empty;
            }
            var rates = new List<GroupRate>();
            foreach (var (key, group, value) in NamedEntries(context, mapping, path))
            {
                var ratePath = path + "." + group;
                context.Record(ratePath + ".$key", key);
                context.Record(ratePath, value);
                var rate = Values.Number(context, value, ratePath);
                if (rate is not null) rates.Add(new GroupRate(group, rate.Value));
            }
            return rates.ToEquatableArray();
        }

        private static ScheduleSpec ReadSchedule(ReadContext context, YamlNode? node, string path)
        {
            var defaults = ScheduleSpec.Constant;
            if (node is null) return defaults;
            if (node is YamlScalarNode)
            {
                var kind = Values.Enum(context, node, path, SpecNames.Schedules);
                return kind is null ? defaults : defaults with { Kind = kind.Value };
            }
            if (!TryOneKey(context, node, path, "a schedule name or a one-key mapping such as {cosine: {warmup-ratio: 0.1}}", out var key, out var value))
                return defaults;
            var named = Values.Enum(context, key, path, SpecNames.Schedules);
            if (named is null) return defaults;

            var m = Options(context, value, path, "'" + path + "." + key.Value + "'", SpecGrammar.KeyNames("phases[].schedule", key.Value));
            if (m is null) return defaults with { Kind = named.Value };
            return new ScheduleSpec(
                Kind: named.Value,
                StepSize: m.Int("step-size") ?? defaults.StepSize,
                Gamma: m.Number("gamma") ?? defaults.Gamma,
                MinLearningRateFactor: m.Number("min-lr-factor") ?? defaults.MinLearningRateFactor,
                WarmupSteps: m.Int("warmup-steps"),
                WarmupRatio: m.Number("warmup-ratio"),
                PctStart: m.Number("pct-start") ?? defaults.PctStart);
        }

        private static EarlyStoppingSpec? ReadEarlyStopping(MappingReader root)
        {
            var m = root.Mapping("early-stopping", required: false, SpecGrammar.KeyNames("early-stopping"));
            if (m is null) return null;
            return new EarlyStoppingSpec(
                Monitor: m.String("monitor") ?? SpecDefaults.Monitor,
                Mode: m.Enum("mode", SpecNames.MonitorModes),
                Patience: m.Int("patience") ?? SpecDefaults.Patience,
                MinDelta: m.Number("min-delta") ?? SpecDefaults.MinDelta,
                RestoreBest: m.Bool("restore-best") ?? SpecDefaults.RestoreBest);
        }

        private static RegularizationSpec? ReadRegularization(MappingReader root)
        {
            var m = root.Mapping("regularization", required: false, SpecGrammar.KeyNames("regularization"));
            if (m is null) return null;
            return new RegularizationSpec(m.Number("l2-sp", required: true) ?? 0);
        }
    }
}
