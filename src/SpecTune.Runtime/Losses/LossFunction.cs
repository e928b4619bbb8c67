using SpecTune.Spec;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Losses;

/// <summary>
/// The training objective of a spec, fitted to how the head ends: a head that already ends in softmax or
/// sigmoid gives probabilities, any other head gives logits, and the loss and the prediction helpers
/// take that into account so that both heads train and predict alike.
/// </summary>
/// <remarks>
/// Probabilities are clamped to [<see cref="ProbabilityEpsilon"/>, 1 − <see cref="ProbabilityEpsilon"/>]
/// before their logarithm is taken, so a saturated softmax or sigmoid gives a large finite loss instead of
/// infinity (Keras does the same). Heads that give logits use PyTorch's fused, numerically stable losses.
/// </remarks>
public abstract class LossFunction
{
    /// <summary>Probability clamp applied before a logarithm, as Keras' <c>epsilon()</c>.</summary>
    public const double ProbabilityEpsilon = 1e-7;

    /// <summary>A loss for <paramref name="task"/>; derive from it for a custom objective (docs/runtime.md).</summary>
    protected LossFunction(TaskKind task, bool outputIsProbability)
    {
        Task = task;
        OutputIsProbability = outputIsProbability;
    }

    /// <summary>
    /// The loss for <paramref name="spec"/> on <paramref name="task"/>, for a head whose last layer is
    /// <paramref name="lastHeadLayer"/> (null when the head has no layers).
    /// </summary>
    /// <exception cref="ArgumentException">The loss does not fit the task or the head's final activation.</exception>
    public static LossFunction Create(LossSpec spec, TaskKind task, HeadLayerKind? lastHeadLayer)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Kind != LossKind.CrossEntropy && spec.LabelSmoothing != 0)
            throw new ArgumentException($"label-smoothing applies to cross-entropy only, not {Display(spec.Kind)}.", nameof(spec));
        if (!ValueRanges.LabelSmoothing.Contains(spec.LabelSmoothing))
            throw new ArgumentException($"label-smoothing must be {ValueRanges.LabelSmoothing.Describe()}, not {spec.LabelSmoothing}.", nameof(spec));
        // The checker's rule (SPT0130): one loss per task.
        if (!TaskRules.LossFits(spec.Kind, task)) throw Mismatch(spec.Kind, task);

        switch (spec.Kind)
        {
            case LossKind.CrossEntropy:
                if (lastHeadLayer == HeadLayerKind.Sigmoid)
                    throw new ArgumentException("cross-entropy needs logits or softmax probabilities, but the head ends in sigmoid; use binary-cross-entropy or end the head in softmax.", nameof(lastHeadLayer));
                return new CrossEntropyLoss(task, lastHeadLayer == HeadLayerKind.Softmax, spec.LabelSmoothing);
            case LossKind.BinaryCrossEntropy:
                if (lastHeadLayer == HeadLayerKind.Softmax)
                    throw new ArgumentException("binary-cross-entropy needs one logit or sigmoid probability per sample, but the head ends in softmax.", nameof(lastHeadLayer));
                return new BinaryCrossEntropyLoss(lastHeadLayer == HeadLayerKind.Sigmoid);
            case LossKind.Mse:
                return new MseLoss();
            default:
                throw new ArgumentOutOfRangeException(nameof(spec), spec.Kind, "Unknown loss kind.");
        }
    }

    /// <summary>A readable name for logs and reports, e.g. <c>binary-cross-entropy (with logits)</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The task the loss was created for.</summary>
    public TaskKind Task { get; }

    /// <summary>True when the head ends in softmax or sigmoid, so its output is already probabilities.</summary>
    public bool OutputIsProbability { get; }

    /// <summary>The mean loss of a batch: <paramref name="output"/> is the head's output, <paramref name="target"/> the batch's targets.</summary>
    public abstract Tensor Compute(Tensor output, Tensor target);

    /// <summary>
    /// Class probabilities: [N, C] for cross-entropy heads; [N] probabilities of class 1 for binary
    /// cross-entropy heads. Not defined for regression.
    /// </summary>
    public abstract Tensor ToProbabilities(Tensor output);

    /// <summary>
    /// Predicted classes as int64 [N] (argmax; for one-output binary heads, probability ≥ 0.5), or the
    /// predicted values flattened to [N] for single-output regression.
    /// </summary>
    public abstract Tensor Predictions(Tensor output);

    public override string ToString() => Name;

    private protected static string Display(LossKind kind) => kind switch
    {
        LossKind.CrossEntropy => "cross-entropy",
        LossKind.BinaryCrossEntropy => "binary-cross-entropy",
        LossKind.Mse => "mse",
        _ => kind.ToString(),
    };

    private static ArgumentException Mismatch(LossKind kind, TaskKind task) =>
        new($"The loss {Display(kind)} does not fit the task {task}.", "spec");

    /// <summary>Flattens one-value-per-sample outputs ([N], [N, 1]) to [N], rejecting anything else.</summary>
    private protected static Tensor OneValuePerSample(Tensor output, Tensor target, string loss)
    {
        long samples = target.shape.Length == 0 ? 1 : target.shape[0];
        if (output.numel() != samples || target.numel() != samples)
            throw new ArgumentException($"{loss} expects one output and one target per sample, got output [{string.Join(", ", output.shape)}] and target [{string.Join(", ", target.shape)}].");
        return output.reshape(samples);
    }
}

/// <summary>Cross-entropy over class indexes, optionally with label smoothing as <c>torch.nn.functional.cross_entropy</c>.</summary>
internal sealed class CrossEntropyLoss(TaskKind task, bool outputIsProbability, double labelSmoothing)
    : LossFunction(task, outputIsProbability)
{
    public override string Name =>
        "cross-entropy" + (OutputIsProbability ? " (softmax probabilities)" : "")
        + (labelSmoothing > 0 ? $" (label smoothing {labelSmoothing.ToString(System.Globalization.CultureInfo.InvariantCulture)})" : "");

    public override Tensor Compute(Tensor output, Tensor target)
    {
        if (output.dim() != 2) throw new ArgumentException($"cross-entropy expects output [N, classes], got [{string.Join(", ", output.shape)}].", nameof(output));
        using var scope = torch.NewDisposeScope();
        // Data sources give targets as numbers; class indexes must be int64 for the gather below and for torch.
        var classes = target.reshape(-1).to_type(ScalarType.Int64);
        if (classes.shape[0] != output.shape[0])
            throw new ArgumentException($"cross-entropy got {output.shape[0]} outputs but {classes.shape[0]} targets.", nameof(target));

        if (!OutputIsProbability)
            return nn.functional.cross_entropy(output, classes, label_smoothing: labelSmoothing).MoveToOuterDisposeScope();

        // The same objective on probabilities: with log p clamped, the smoothed loss is
        // (1 − ε)·(−log p_target) + ε·mean_c(−log p_c), exactly how PyTorch smooths cross_entropy.
        var logProbabilities = output.clamp(ProbabilityEpsilon, 1.0).log();
        var nll = -logProbabilities.gather(1, classes.unsqueeze(1)).squeeze(1);
        var loss = labelSmoothing > 0
            ? nll * (1 - labelSmoothing) - logProbabilities.mean([1L]) * labelSmoothing
            : nll;
        return loss.mean().MoveToOuterDisposeScope();
    }

    public override Tensor ToProbabilities(Tensor output) =>
        OutputIsProbability ? output.alias() : nn.functional.softmax(output, 1);

    // Softmax preserves order, so the argmax of logits is the argmax of probabilities.
    public override Tensor Predictions(Tensor output) => output.argmax(1);
}

/// <summary>Binary cross-entropy on one logit or sigmoid probability per sample, against 0/1 targets.</summary>
internal sealed class BinaryCrossEntropyLoss(bool outputIsProbability)
    : LossFunction(TaskKind.BinaryClassification, outputIsProbability)
{
    public override string Name => OutputIsProbability ? "binary-cross-entropy (sigmoid probabilities)" : "binary-cross-entropy (with logits)";

    public override Tensor Compute(Tensor output, Tensor target)
    {
        using var scope = torch.NewDisposeScope();
        var values = OneValuePerSample(output, target, "binary-cross-entropy");
        var targets = target.reshape(values.shape[0]).to_type(values.dtype);
        // libtorch's binary_cross_entropy rejects a NaN probability with an exception; a NaN loss instead reaches
        // the trainer's divergence check (SPT0302), as NaN logits do.
        if (OutputIsProbability && values.isnan().any().item<bool>())
            return (values.sum() * double.NaN).MoveToOuterDisposeScope();
        var loss = OutputIsProbability
            ? nn.functional.binary_cross_entropy(values.clamp(ProbabilityEpsilon, 1 - ProbabilityEpsilon), targets)
            // log-sum-exp form: finite for any logit, unlike sigmoid followed by log.
            : nn.functional.binary_cross_entropy_with_logits(values, targets);
        return loss.MoveToOuterDisposeScope();
    }

    public override Tensor ToProbabilities(Tensor output)
    {
        long samples = output.shape.Length == 0 ? 1 : output.shape[0];
        if (output.numel() != samples)
            throw new ArgumentException($"binary-cross-entropy expects one output per sample, got [{string.Join(", ", output.shape)}].", nameof(output));
        using var scope = torch.NewDisposeScope();
        var values = output.reshape(samples);
        return (OutputIsProbability ? values.alias() : torch.sigmoid(values)).MoveToOuterDisposeScope();
    }

    public override Tensor Predictions(Tensor output)
    {
        using var scope = torch.NewDisposeScope();
        return ToProbabilities(output).ge(0.5).to_type(ScalarType.Int64).MoveToOuterDisposeScope();
    }
}

/// <summary>Mean squared error for regression.</summary>
internal sealed class MseLoss() : LossFunction(TaskKind.Regression, outputIsProbability: false)
{
    public override string Name => "mse";

    public override Tensor Compute(Tensor output, Tensor target)
    {
        using var scope = torch.NewDisposeScope();
        // [N, 1] outputs against [N] targets would broadcast to [N, N] and silently compute the wrong loss.
        var (prediction, expected) = output.shape.SequenceEqual(target.shape)
            ? (output, target)
            : (OneValuePerSample(output, target, "mse"), target.reshape(-1));
        return nn.functional.mse_loss(prediction, expected.to_type(prediction.dtype)).MoveToOuterDisposeScope();
    }

    public override Tensor ToProbabilities(Tensor output) =>
        throw new InvalidOperationException("A regression head gives values, not class probabilities.");

    public override Tensor Predictions(Tensor output) =>
        output.dim() == 2 && output.shape[1] == 1 ? output.reshape(output.shape[0]) : output.alias();
}
