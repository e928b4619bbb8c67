using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace SpecTune.Spec
{
    /// <summary>
    /// The one grammar of a spec: every key the YAML reader takes, with its type, default, allowed values, range,
    /// attribute member and doc line. The reader takes its key lists from here, the JSON Schema is generated from it
    /// (<see cref="SchemaWriter"/>), and tests hold the attribute front end, SpecHash and docs/spec.md to it.
    /// Adding a key = one row here + one field in the model + reading it in both front ends.
    /// </summary>
    public static class SpecGrammar
    {
        public const string NamePattern = "^[A-Za-z][A-Za-z0-9_-]*$";
        public const string MonitorPattern = "^(train|val)-(loss|accuracy|precision|recall|f1)$";
        public const string DevicePattern = "^(cpu|cuda|cuda:[0-9]+)$";

        /// <summary>Every key, parents before children, in the order docs/spec.md presents them.</summary>
        public static IReadOnlyList<GrammarKey> Keys { get; } = Build();

        private static readonly Dictionary<string, GrammarKey> ByPath = Keys.ToDictionary(k => k.Path, StringComparer.Ordinal);

        public static GrammarKey Get(string path) =>
            Find(path) ?? throw new ArgumentException("No grammar key '" + path + "'.", nameof(path));

        public static GrammarKey? Find(string path) => ByPath.TryGetValue(path, out var key) ? key : null;

        /// <summary>The keys directly inside the mapping at <paramref name="path"/> ("" for the root), optionally only the options of one kind.</summary>
        public static IReadOnlyList<GrammarKey> ChildrenOf(string path, string? kind = null) =>
            Keys.Where(k => k.Parent == path && (kind is null || k.For.Count == 0 || k.For.Contains(kind))).ToList();

        /// <summary>The YAML names of <see cref="ChildrenOf"/>, for the reader's unknown-key check.</summary>
        public static string[] KeyNames(string path, string? kind = null) => ChildrenOf(path, kind).Select(k => k.Name).ToArray();

        private static List<GrammarKey> Build()
        {
            var keys = new List<GrammarKey>();
            GrammarKey Add(string path, KeyType type, string doc, string attribute)
            {
                var key = new GrammarKey(path, type, doc) { Attribute = attribute };
                keys.Add(key);
                return key;
            }
            string[] Names<T>(NameTable<T> table) where T : struct => table.AllNames.ToArray();

            Add("spectune", KeyType.Integer, "Grammar version; 1 is the only one.", "").With(required: true, range: new ValueRange(1, false, 1, false));
            Add("name", KeyType.TypeName, "The generated C# class name.", "class").With(required: true);
            Add("namespace", KeyType.Namespace, "Namespace of the generated class.", "class");

            Add("base", KeyType.Mapping, "The pretrained network.", "FineTune").With(required: true).OneOf = new[] { "architecture", "onnx" };
            Add("base.architecture", KeyType.Choice, "A zoo architecture.", "FineTune.architecture").Allowed = ArchitectureCatalog.Names;
            Add("base.onnx", KeyType.Text, "An ONNX model imported as the trainable base instead of a zoo architecture.", "FineTune.Onnx");
            Add("base.cut-at", KeyType.Text, "The ONNX node whose output feeds the head (only with onnx); absent keeps the whole graph.", "FineTune.CutAt");
            Add("base.weights", KeyType.Text, "Pretrained weights (.safetensors, PyTorch .pt/.pth/.bin, TorchSharp .dat); absent for random initialisation.", "FineTune.Weights");
            Add("base.input", KeyType.IntegerList, "Shape of one sample, e.g. [1, 28, 28] or [784].", "FineTune.Input")
                .With(required: true, range: ValueRanges.AtLeastOne).MinItems = 1;
            Add("base.hidden", KeyType.IntegerList, "Hidden widths (mlp) or the three channel widths (cnn).", "FineTune.Hidden").With(range: ValueRanges.AtLeastOne);
            Add("base.strict", KeyType.Boolean, "Missing or unexpected weight names are errors (true) or warnings.", "FineTune.Strict").With(@default: Yaml(SpecDefaults.Strict));
            Add("base.rename", KeyType.RenameMap, "Weight-name prefixes replaced before matching, e.g. { \"module.\": \"\" }.", "FineTune.Rename");

            Add("groups", KeyType.GroupMap, "Named parameter groups: a glob or a list of globs over full parameter names ('*' any run, '?' one character, '[0-5]' or '[!0-5]' one character in or not in the class); 'head' and 'base' are reserved.", "Group.name, Group.patterns");

            Add("head", KeyType.Mapping, "The new head that takes the base's head slot.", "Head").With(required: true);
            Add("head.replace", KeyType.Text, "The module the head replaces (default: the architecture's head slot).", "Head.Replace");
            Add("head.layers", KeyType.HeadLayers, "The head's layers in order: linear, relu, gelu, dropout, batchnorm, sigmoid, softmax.", "Head.layers").With(required: true);

            Add("task", KeyType.Choice, "What is predicted.", "FineTune.Task").With(required: true).Allowed = Names(SpecNames.Tasks);

            Add("data", KeyType.Mapping, "Where samples come from and how they are batched.", "Data").With(required: true);
            Add("data.format", KeyType.Choice, "The data format.", "Data.format").With(required: true).Allowed = Names(SpecNames.Formats);
            Add("data.train", KeyType.Source, "Training samples: a path, or {images, labels} for idx.", "Data.train, Data.TrainLabels").With(required: true);
            Add("data.valid", KeyType.Source, "Validation samples; absent to split them off the training set.", "Data.Valid, Data.ValidLabels");
            Add("data.split", KeyType.Number, "Fraction of train held out when valid is absent.", "Data.Split").With(range: ValueRanges.UnitOpen);
            Add("data.batch-size", KeyType.Integer, "Samples per batch.", "Data.BatchSize").With(@default: Yaml(SpecDefaults.BatchSize), range: ValueRanges.AtLeastOne);
            Add("data.shuffle", KeyType.Boolean, "Shuffle training samples each epoch (seeded).", "Data.Shuffle").With(@default: Yaml(SpecDefaults.Shuffle));
            Add("data.classes", KeyType.IntegerList, "Keep only these labels, renumbered 0..n-1 in this order.", "Data.Classes").With(range: ValueRanges.AtLeastZero);
            Add("data.label-column", KeyType.TextOrInteger, "CSV column with the target (name or 0-based index).", "Data.LabelColumn");
            Add("data.prefetch", KeyType.Integer, "Batches prepared ahead of the training step.", "Data.Prefetch").With(@default: Yaml(SpecDefaults.Prefetch), range: ValueRanges.AtLeastZero);
            Add("data.transforms", KeyType.Mapping, "Preprocessing (every sample) and augmentation (training samples only).", "Data");
            Add("data.transforms.resize", KeyType.IntegerList, "Bilinear resize to [height, width].", "Data.Resize").With(range: ValueRanges.AtLeastOne).Items(2, 2);
            Add("data.transforms.channels", KeyType.Integer, "Convert to this many channels.", "Data.Channels").Allowed = new[] { "1", "3" };
            Add("data.transforms.scale", KeyType.Number, "Multiply raw values (e.g. 1/255 for bytes); absent for the format's default.", "Data.Scale").With(range: ValueRanges.Positive);
            Add("data.transforms.normalize", KeyType.Mapping, "Per-channel normalization.", "Data");
            Add("data.transforms.normalize.mean", KeyType.NumberList, "Per-channel mean.", "Data.Mean").With(required: true);
            Add("data.transforms.normalize.std", KeyType.NumberList, "Per-channel standard deviation.", "Data.Std").With(required: true, range: ValueRanges.Positive);
            Add("data.transforms.random-flip", KeyType.Boolean, "Horizontal flip with probability 0.5.", "Data.RandomFlip").With(@default: Yaml(SpecDefaults.RandomFlip));
            Add("data.transforms.random-crop", KeyType.Integer, "Pad by this many pixels and crop back at a random offset.", "Data.RandomCrop").With(@default: Yaml(SpecDefaults.RandomCrop), range: ValueRanges.AtLeastZero);

            var loss = Add("loss", KeyType.OneKey, "The training objective: a name or {name: options}.", "FineTune.Loss").With(required: true);
            loss.Allowed = Names(SpecNames.Losses);
            loss.BareName = true;
            Add("loss.label-smoothing", KeyType.Number, "Label smoothing of cross-entropy.", "FineTune.LabelSmoothing")
                .With(@default: Yaml(SpecDefaults.LabelSmoothing), range: ValueRanges.LabelSmoothing).For = new[] { "cross-entropy" };

            Add("metrics", KeyType.ChoiceList, "Metrics computed on validation data each epoch.", "FineTune.Metrics").Allowed = Names(SpecNames.Metrics);

            Add("optimizer", KeyType.OneKey, "The optimizer and its defaults for every phase: {name: options}.", "Optimizer.kind").With(required: true).Allowed = Names(SpecNames.Optimizers);
            Add("optimizer.lr", KeyType.Number, "Default rate of every trained group.", "Optimizer.lr").With(required: true, range: ValueRanges.LearningRate);
            Add("optimizer.weight-decay", KeyType.Number, "Weight decay.", "Optimizer.WeightDecay").With(@default: Yaml(SpecDefaults.WeightDecay), range: ValueRanges.WeightDecay);
            Add("optimizer.momentum", KeyType.Number, "Momentum (sgd).", "Optimizer.Momentum").With(@default: Yaml(SpecDefaults.Momentum), range: ValueRanges.UnitHalfOpen).For = new[] { "sgd" };
            Add("optimizer.nesterov", KeyType.Boolean, "Nesterov momentum (sgd).", "Optimizer.Nesterov").With(@default: Yaml(SpecDefaults.Nesterov)).For = new[] { "sgd" };
            Add("optimizer.betas", KeyType.NumberList, "[b1, b2] (adam, adamw).", "Optimizer.Beta1, Optimizer.Beta2")
                .With(@default: "[" + Yaml(SpecDefaults.Beta1) + ", " + Yaml(SpecDefaults.Beta2) + "]", range: ValueRanges.UnitHalfOpen).Items(2, 2).For = new[] { "adam", "adamw" };
            Add("optimizer.eps", KeyType.Number, "Denominator epsilon (adam, adamw).", "Optimizer.Eps").With(@default: Yaml(SpecDefaults.Epsilon), range: ValueRanges.Positive).For = new[] { "adam", "adamw" };
            Add("optimizer.grad-clip", KeyType.Number, "Maximum global gradient L2 norm; absent for none.", "Optimizer.GradClip").With(range: ValueRanges.Positive);

            Add("phases", KeyType.MappingList, "The freeze/unfreeze schedule, run in order.", "Phase").With(required: true).MinItems = 1;
            Add("phases[].name", KeyType.MemberName, "Unique; becomes a Phase enum member.", "Phase.name").With(required: true);
            Add("phases[].epochs", KeyType.Integer, "At most this many epochs (early stopping may end the phase sooner).", "Phase.epochs").With(required: true, range: ValueRanges.AtLeastOne);
            Add("phases[].train", KeyType.TextOrList, "Groups trained in this phase (declared groups, head, base); all others are frozen.", "Phase.train").With(required: true);
            Add("phases[].lr", KeyType.RateMap, "A rate for every trained group, or {group: rate}; groups not named use the optimizer's rate.", "Phase.Lr, LearningRate.phase, LearningRate.group, LearningRate.lr").With(range: ValueRanges.LearningRate);
            var schedule = Add("phases[].schedule", KeyType.OneKey, "Learning-rate schedule within the phase: a name or {name: options}.", "Phase.Schedule").With(@default: SpecNames.Schedules.NameOf(SpecDefaults.Schedule));
            schedule.Allowed = Names(SpecNames.Schedules);
            schedule.BareName = true;
            Add("phases[].schedule.warmup-steps", KeyType.Integer, "Linear warmup length in steps; never together with warmup-ratio.", "Phase.WarmupSteps").With(range: ValueRanges.AtLeastZero);
            Add("phases[].schedule.warmup-ratio", KeyType.Number, "Linear warmup as a fraction of the phase's steps.", "Phase.WarmupRatio").With(range: ValueRanges.UnitHalfOpen).ExcludedWith = "warmup-steps";
            Add("phases[].schedule.step-size", KeyType.Integer, "Epochs between decays (step).", "Phase.StepSize").With(@default: Yaml(SpecDefaults.StepSize), range: ValueRanges.AtLeastOne).For = new[] { "step" };
            Add("phases[].schedule.gamma", KeyType.Number, "Decay factor (step).", "Phase.Gamma").With(@default: Yaml(SpecDefaults.Gamma), range: ValueRanges.GammaRange).For = new[] { "step" };
            Add("phases[].schedule.min-lr-factor", KeyType.Number, "Floor as a fraction of the peak (cosine, one-cycle).", "Phase.MinLrFactor")
                .With(@default: Yaml(SpecDefaults.MinLearningRateFactor), range: ValueRanges.UnitClosed).For = new[] { "cosine", "one-cycle" };
            Add("phases[].schedule.pct-start", KeyType.Number, "Rising fraction of one-cycle.", "Phase.PctStart").With(@default: Yaml(SpecDefaults.PctStart), range: ValueRanges.UnitOpen).For = new[] { "one-cycle" };
            Add("phases[].batch-norm", KeyType.Choice, "Overrides the spec's batch-norm policy for this phase.", "Phase.BatchNorm").Allowed = Names(SpecNames.BatchNormPolicies);
            Add("phases[].feature-cache", KeyType.Boolean, "Overrides the spec's feature-cache for this phase.", "Phase.FeatureCache");

            Add("early-stopping", KeyType.Mapping, "Early stopping within each phase; absent for none.", "EarlyStopping");
            Add("early-stopping.monitor", KeyType.Text, "A logged metric: val-loss, val-accuracy, val-f1, train-loss, ...", "EarlyStopping.Monitor").With(@default: SpecDefaults.Monitor).Pattern = MonitorPattern;
            Add("early-stopping.mode", KeyType.Choice, "min or max; absent infers it from the metric (loss: min, others: max).", "EarlyStopping.Mode").Allowed = Names(SpecNames.MonitorModes);
            Add("early-stopping.patience", KeyType.Integer, "Epochs without improvement before stopping.", "EarlyStopping.Patience").With(@default: Yaml(SpecDefaults.Patience), range: ValueRanges.AtLeastZero);
            Add("early-stopping.min-delta", KeyType.Number, "Smallest change that counts as improvement.", "EarlyStopping.MinDelta").With(@default: Yaml(SpecDefaults.MinDelta), range: ValueRanges.AtLeastZero);
            Add("early-stopping.restore-best", KeyType.Boolean, "End the phase with the best epoch's weights.", "EarlyStopping.RestoreBest").With(@default: Yaml(SpecDefaults.RestoreBest));

            Add("regularization", KeyType.Mapping, "Penalties toward the pretrained weights.", "FineTune");
            Add("regularization.l2-sp", KeyType.Number, "alpha in alpha * sum ||w - w0||^2 over pretrained, trained parameters.", "FineTune.L2Sp").With(required: true, range: ValueRanges.AtLeastZero);

            Add("seed", KeyType.Integer, "Drives initialisation, shuffling, dropout and augmentation.", "FineTune.Seed").With(@default: Yaml(SpecDefaults.Seed));
            Add("output", KeyType.Text, "Where the fine-tuned weights are written (.safetensors).", "FineTune.Output");
            Add("checkpoints", KeyType.Text, "Folder for resumable checkpoints; absent for none.", "FineTune.Checkpoints");
            Add("metrics-log", KeyType.Text, "JSON-lines metrics file; absent for none.", "FineTune.MetricsLog");
            Add("device", KeyType.Text, "cpu, cuda or cuda:N.", "FineTune.Device").With(@default: SpecDefaults.Device).Pattern = DevicePattern;
            Add("threads", KeyType.Integer, "Intra-op threads; absent for the machine's cores.", "FineTune.Threads").With(range: ValueRanges.AtLeastOne);
            Add("batch-norm", KeyType.Choice, "Policy for BatchNorm layers inside frozen groups.", "FineTune.BatchNorm")
                .With(@default: SpecNames.BatchNormPolicies.NameOf(SpecDefaults.BatchNorm)).Allowed = Names(SpecNames.BatchNormPolicies);
            Add("feature-cache", KeyType.Boolean, "Compute a frozen prefix's output once per sample and train the rest from the cache where it is safe (docs/runtime.md).", "FineTune.FeatureCache")
                .With(@default: Yaml(SpecDefaults.FeatureCache));
            return keys;
        }

        private static GrammarKey With(this GrammarKey key, bool required = false, string? @default = null, ValueRange? range = null)
        {
            key.Required = required;
            key.Default = @default;
            key.Range = range;
            return key;
        }

        private static GrammarKey Items(this GrammarKey key, int min, int max)
        {
            key.MinItems = min;
            key.MaxItems = max;
            return key;
        }

        /// <summary>A default as YAML writes it.</summary>
        public static string Yaml(object value) => value switch
        {
            bool b => b ? "true" : "false",
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            int i => i.ToString(CultureInfo.InvariantCulture),
            _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
        };
    }
}
