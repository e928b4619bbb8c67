using System.Collections.Generic;

namespace SpecTune.Spec
{
    // The one spec model both front ends (YAML, attributes) produce. Every record is immutable and
    // compared by value. YAML keys are given in each member's doc comment; docs/spec.md is the reference.

    /// <summary>A whole fine-tuning spec.</summary>
    /// <param name="Version">`spectune:` — grammar version, currently 1.</param>
    /// <param name="Name">`name:` — a C# identifier; the generated class name.</param>
    /// <param name="Namespace">`namespace:` — namespace of the generated class.</param>
    /// <param name="Base">`base:` — the pretrained network.</param>
    /// <param name="Groups">`groups:` — named parameter groups by glob, in declaration order.</param>
    /// <param name="Head">`head:` — the new head that takes the base's head slot.</param>
    /// <param name="Task">`task:` — what is predicted.</param>
    /// <param name="Data">`data:` — where samples come from and how they are batched.</param>
    /// <param name="Loss">`loss:` — the training objective.</param>
    /// <param name="Metrics">`metrics:` — metrics computed on validation data each epoch.</param>
    /// <param name="Optimizer">`optimizer:` — the optimizer and its defaults for every phase.</param>
    /// <param name="Phases">`phases:` — the freeze/unfreeze schedule, run in order.</param>
    /// <param name="EarlyStopping">`early-stopping:` — applied within each phase; null when absent.</param>
    /// <param name="Regularization">`regularization:` — e.g. L2-SP toward the pretrained weights.</param>
    /// <param name="Seed">`seed:` — drives initialisation, shuffling, dropout and augmentation.</param>
    /// <param name="Output">`output:` — where the fine-tuned weights are written (.safetensors).</param>
    /// <param name="Checkpoints">`checkpoints:` — folder for resumable checkpoints; null for none.</param>
    /// <param name="MetricsLog">`metrics-log:` — JSON-lines metrics file; null for none.</param>
    /// <param name="Device">`device:` — `cpu` (default) or `cuda`, `cuda:N`.</param>
    /// <param name="Threads">`threads:` — intra-op threads; null for the machine's cores.</param>
    /// <param name="BatchNorm">`batch-norm:` — policy for BatchNorm layers inside frozen groups.</param>
    /// <param name="SourcePath">The file the spec was read from (null for attribute specs); relative paths resolve against its folder.</param>
    /// <param name="Locations">Where each value was written, by spec path (e.g. `phases[1].lr.body`).</param>
    public sealed record FineTuneSpec(
        int Version,
        string Name,
        string? Namespace,
        BaseSpec Base,
        EquatableArray<GroupSpec> Groups,
        HeadSpec Head,
        TaskKind Task,
        DataSpec Data,
        LossSpec Loss,
        EquatableArray<MetricKind> Metrics,
        OptimizerSpec Optimizer,
        EquatableArray<PhaseSpec> Phases,
        EarlyStoppingSpec? EarlyStopping,
        RegularizationSpec? Regularization,
        int Seed,
        string? Output,
        string? Checkpoints,
        string? MetricsLog,
        string Device,
        int? Threads,
        BatchNormPolicy BatchNorm,
        string? SourcePath,
        SourceMap Locations)
    {
        /// <summary>
        /// `feature-cache:` — lets the runtime compute a frozen prefix's output once per sample and train the rest
        /// from that cache where it is safe (see docs/runtime.md); false always runs the whole network. Default true.
        /// An init-only member rather than a constructor parameter so that existing front ends keep compiling.
        /// </summary>
        public bool FeatureCache { get; init; } = SpecDefaults.FeatureCache;
    }

    /// <summary>The pretrained network.</summary>
    /// <param name="Architecture">`architecture:` — zoo entry: mlp, cnn, resnet18, resnet34, resnet50.</param>
    /// <param name="Weights">`weights:` — pretrained weights (.safetensors); null starts from random initialisation.</param>
    /// <param name="Input">`input:` — the shape of one sample, e.g. [1, 28, 28] or [784].</param>
    /// <param name="Hidden">`hidden:` — hidden widths (mlp) or channel widths (cnn); empty for the entry's defaults.</param>
    /// <param name="Strict">`strict:` — missing or unexpected weight names are errors (true) or warnings.</param>
    /// <param name="Onnx">`onnx:` — an ONNX model imported as the trainable base instead of a zoo architecture (then Architecture is empty).</param>
    /// <param name="CutAt">`cut-at:` — the ONNX node whose (first) output feeds the head; null keeps the whole graph.</param>
    /// <param name="Rename">`rename: { old: new }` — name prefixes in the weights file replaced before matching.</param>
    public sealed record BaseSpec(
        string Architecture,
        string? Weights,
        EquatableArray<int> Input,
        EquatableArray<int> Hidden,
        bool Strict,
        string? Onnx = null,
        string? CutAt = null,
        EquatableArray<RenameSpec> Rename = default);

    /// <summary>One `base.rename` entry: weight names equal to <paramref name="From"/> or below it (`From.*`) get <paramref name="To"/> in its place; a From ending in '.' is a plain prefix.</summary>
    public sealed record RenameSpec(string From, string To);

    /// <summary>`groups: { name: [glob, ...] }` — globs over full parameter names: `*` matches any run of characters (dots too), `?` one character. Base parameters no group claims form the implicit group `base`.</summary>
    public sealed record GroupSpec(string Name, EquatableArray<string> Patterns);

    /// <summary>The new head.</summary>
    /// <param name="Replace">`replace:` — the head slot of the base (e.g. fc); null for the architecture's own.</param>
    /// <param name="Layers">`layers:` — e.g. [ {linear: 1}, sigmoid ].</param>
    public sealed record HeadSpec(string? Replace, EquatableArray<HeadLayerSpec> Layers);

    /// <summary>One head layer: `{linear: 10}`, `relu`, `gelu`, `{dropout: 0.2}`, `batchnorm`, `sigmoid`, `softmax`.</summary>
    /// <param name="Kind">The layer type.</param>
    /// <param name="Units">Output features of a linear layer.</param>
    /// <param name="Rate">Drop probability of a dropout layer.</param>
    public sealed record HeadLayerSpec(HeadLayerKind Kind, int? Units, double? Rate);

    public enum HeadLayerKind { Linear, Relu, Gelu, Dropout, BatchNorm, Sigmoid, Softmax }

    /// <summary>`task:` values: binary-classification, multiclass-classification, regression.</summary>
    public enum TaskKind { BinaryClassification, MulticlassClassification, Regression }

    /// <summary>Where samples come from.</summary>
    /// <param name="Format">`format:` — idx, csv or image-folder.</param>
    /// <param name="Train">`train:` — training samples.</param>
    /// <param name="Valid">`valid:` — validation samples; null to split them off the training set.</param>
    /// <param name="Split">`split:` — fraction of the training set held out for validation when `valid` is absent.</param>
    /// <param name="BatchSize">`batch-size:`.</param>
    /// <param name="Shuffle">`shuffle:` — shuffle training samples each epoch (seeded).</param>
    /// <param name="Classes">`classes:` — keep only these labels, renumbered 0..n-1 in the order given; empty keeps all.</param>
    /// <param name="LabelColumn">`label-column:` — CSV column holding the target (name or 0-based index).</param>
    /// <param name="Transforms">`transforms:` — preprocessing and augmentation.</param>
    /// <param name="Prefetch">`prefetch:` — batches prepared ahead of the training step.</param>
    public sealed record DataSpec(
        DataFormat Format,
        DataSourceSpec Train,
        DataSourceSpec? Valid,
        double? Split,
        int BatchSize,
        bool Shuffle,
        EquatableArray<int> Classes,
        string? LabelColumn,
        TransformSpec Transforms,
        int Prefetch);

    public enum DataFormat { Idx, Csv, ImageFolder }

    /// <summary>A data location: a path (csv file, image folder) or, for idx, `{images: ..., labels: ...}`.</summary>
    public sealed record DataSourceSpec(string Path, string? Labels);

    /// <summary>Preprocessing (every sample) and augmentation (training samples only).</summary>
    /// <param name="Resize">`resize: [h, w]` — bilinear resize; empty for none.</param>
    /// <param name="Channels">`channels:` — convert to this many channels (1 or 3); null to keep.</param>
    /// <param name="Scale">`scale:` — multiply raw values (e.g. 1/255 for bytes); null for the format's default.</param>
    /// <param name="Mean">`normalize.mean` — per channel.</param>
    /// <param name="Std">`normalize.std` — per channel.</param>
    /// <param name="RandomFlip">`random-flip:` — horizontal flip with probability 0.5.</param>
    /// <param name="RandomCrop">`random-crop:` — pad by this many pixels and crop back at a random offset; 0 for none.</param>
    public sealed record TransformSpec(
        EquatableArray<int> Resize,
        int? Channels,
        double? Scale,
        EquatableArray<double> Mean,
        EquatableArray<double> Std,
        bool RandomFlip,
        int RandomCrop)
    {
        public static TransformSpec None { get; } = new TransformSpec(
            EquatableArray<int>.Empty, null, null, EquatableArray<double>.Empty, EquatableArray<double>.Empty, SpecDefaults.RandomFlip, SpecDefaults.RandomCrop);
    }

    /// <summary>`loss:` — a name, or a mapping with options.</summary>
    /// <param name="Kind">cross-entropy, binary-cross-entropy or mse.</param>
    /// <param name="LabelSmoothing">`label-smoothing:` for cross-entropy.</param>
    public sealed record LossSpec(LossKind Kind, double LabelSmoothing);

    public enum LossKind { CrossEntropy, BinaryCrossEntropy, Mse }

    /// <summary>`metrics:` values.</summary>
    public enum MetricKind { Accuracy, Precision, Recall, F1, PerClassAccuracy, ConfusionMatrix }

    /// <summary>`optimizer: { adam: { lr: ..., ... } }`.</summary>
    /// <param name="Kind">adam, adamw or sgd.</param>
    /// <param name="LearningRate">`lr:` — default rate of every trained group.</param>
    /// <param name="WeightDecay">`weight-decay:`.</param>
    /// <param name="Momentum">`momentum:` (sgd).</param>
    /// <param name="Nesterov">`nesterov:` (sgd).</param>
    /// <param name="Beta1">`betas: [b1, b2]` (adam, adamw).</param>
    /// <param name="Beta2">See <paramref name="Beta1"/>.</param>
    /// <param name="Epsilon">`eps:`.</param>
    /// <param name="GradientClip">`grad-clip:` — maximum global gradient L2 norm; null for none.</param>
    public sealed record OptimizerSpec(
        OptimizerKind Kind,
        double LearningRate,
        double WeightDecay,
        double Momentum,
        bool Nesterov,
        double Beta1,
        double Beta2,
        double Epsilon,
        double? GradientClip);

    public enum OptimizerKind { Adam, AdamW, Sgd }

    /// <summary>One phase of the schedule.</summary>
    /// <param name="Name">`name:` — unique; becomes a Phase enum member.</param>
    /// <param name="Epochs">`epochs:` — at most this many (early stopping may end it sooner).</param>
    /// <param name="Train">`train:` — the groups trained in this phase; every other group is frozen.</param>
    /// <param name="LearningRates">`lr:` — a number for every trained group, or `{group: rate}`; groups not named use the optimizer's rate.</param>
    /// <param name="Schedule">`schedule:` — learning-rate schedule within the phase.</param>
    /// <param name="BatchNorm">`batch-norm:` — overrides the spec's policy for this phase.</param>
    public sealed record PhaseSpec(
        string Name,
        int Epochs,
        EquatableArray<string> Train,
        EquatableArray<GroupRate> LearningRates,
        ScheduleSpec Schedule,
        BatchNormPolicy? BatchNorm)
    {
        /// <summary>`feature-cache:` — overrides the spec's `feature-cache` for this phase; null inherits it.</summary>
        public bool? FeatureCache { get; init; }
    }

    /// <summary>A learning rate for one group; <see cref="Group"/> is null for the phase-wide rate.</summary>
    public sealed record GroupRate(string? Group, double LearningRate);

    /// <summary>`schedule:` — a name, or `{cosine: {min-lr: 0, warmup-ratio: 0.1}}`.</summary>
    /// <param name="Kind">constant, step, cosine or one-cycle.</param>
    /// <param name="StepSize">`step-size:` epochs between decays (step).</param>
    /// <param name="Gamma">`gamma:` decay factor (step).</param>
    /// <param name="MinLearningRateFactor">`min-lr-factor:` floor as a fraction of the peak (cosine, one-cycle).</param>
    /// <param name="WarmupSteps">`warmup-steps:` linear warmup length in steps; never together with a ratio.</param>
    /// <param name="WarmupRatio">`warmup-ratio:` linear warmup as a fraction of the phase's steps.</param>
    /// <param name="PctStart">`pct-start:` rising fraction of one-cycle.</param>
    public sealed record ScheduleSpec(
        ScheduleKind Kind,
        int StepSize,
        double Gamma,
        double MinLearningRateFactor,
        int? WarmupSteps,
        double? WarmupRatio,
        double PctStart)
    {
        public static ScheduleSpec Constant { get; } = new ScheduleSpec(
            SpecDefaults.Schedule, SpecDefaults.StepSize, SpecDefaults.Gamma, SpecDefaults.MinLearningRateFactor, null, null, SpecDefaults.PctStart);
    }

    public enum ScheduleKind { Constant, Step, Cosine, OneCycle }

    /// <summary>How BatchNorm layers inside frozen groups behave.</summary>
    public enum BatchNormPolicy
    {
        /// <summary>Running statistics and affine parameters are frozen (eval mode). The default.</summary>
        FreezeAll,
        /// <summary>Statistics frozen (eval mode), affine weight and bias trained.</summary>
        TrainAffine,
        /// <summary>Statistics update and affine parameters train, even in frozen groups.</summary>
        TrainAll,
    }

    /// <summary>`early-stopping:` — within each phase.</summary>
    /// <param name="Monitor">`monitor:` — a logged metric: val-loss, val-accuracy, val-f1, train-loss, ...</param>
    /// <param name="Mode">`mode:` — min or max; null infers from the metric (loss: min, others: max).</param>
    /// <param name="Patience">`patience:` — epochs without improvement before stopping.</param>
    /// <param name="MinDelta">`min-delta:` — smallest change that counts as improvement.</param>
    /// <param name="RestoreBest">`restore-best:` — end the phase with the best epoch's weights.</param>
    public sealed record EarlyStoppingSpec(string Monitor, MonitorMode? Mode, int Patience, double MinDelta, bool RestoreBest);

    public enum MonitorMode { Min, Max }

    /// <summary>`regularization: { l2-sp: 0.01 }` — penalty alpha·Σ‖w − w₀‖² over pretrained, trained parameters.</summary>
    public sealed record RegularizationSpec(double L2Sp);
}
