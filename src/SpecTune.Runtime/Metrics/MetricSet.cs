using SpecTune.Spec;
using static TorchSharp.torch;

namespace SpecTune.Metrics;

/// <summary>
/// The metrics a spec asks for, accumulated over an evaluation pass and reported by name, e.g. for the
/// metrics log and for early stopping (<c>val-accuracy</c> is <c>val-</c> + the key here).
/// </summary>
/// <remarks>
/// Keys: <c>accuracy</c>, <c>precision</c>, <c>recall</c>, <c>f1</c> and <c>class-&lt;i&gt;-accuracy</c> (one per
/// class, for <see cref="MetricKind.PerClassAccuracy"/>), in the order the kinds were requested.
/// For multiclass tasks precision, recall and F1 are macro averages; for binary tasks they are those of
/// the positive class 1, as scikit-learn's default <c>average='binary'</c> (the macro values stay available on
/// <see cref="Classification"/>). <see cref="MetricKind.ConfusionMatrix"/> is not a number: it is exposed as
/// <see cref="ConfusionMatrix"/>. Regression tasks report <c>mse</c> and <c>mae</c> and accept no
/// classification metric.
/// </remarks>
internal sealed class MetricSet
{
    public MetricSet(TaskKind task, IEnumerable<MetricKind> kinds, int classCount)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        Task = task;
        Kinds = kinds.Distinct().ToArray();
        if (task == TaskKind.Regression)
        {
            if (Kinds.Count > 0)
                throw new ArgumentException($"Regression has no classification metrics; drop {string.Join(", ", Kinds)}.", nameof(kinds));
            Regression = new RegressionMetrics();
        }
        else
        {
            if (task == TaskKind.BinaryClassification && classCount != 2)
                throw new ArgumentException($"A binary task has 2 classes, not {classCount}.", nameof(classCount));
            Classification = new ClassificationMetrics(classCount);
        }
    }

    public TaskKind Task { get; }
    public IReadOnlyList<MetricKind> Kinds { get; }

    /// <summary>The confusion matrix and all classification metrics; null for regression.</summary>
    public ClassificationMetrics? Classification { get; }

    /// <summary>MSE and MAE; null for classification.</summary>
    public RegressionMetrics? Regression { get; }

    /// <summary>The confusion matrix when it was requested, else null.</summary>
    public long[,]? ConfusionMatrix =>
        Kinds.Contains(MetricKind.ConfusionMatrix) ? Classification!.ConfusionMatrix : null;

    /// <summary>Adds a batch: predicted classes (or values) as from <c>LossFunction.Predictions</c>, and the batch's targets.</summary>
    public void Add(Tensor predictions, Tensor targets)
    {
        if (Classification is not null) Classification.Add(predictions, targets);
        else Regression!.Add(predictions, targets);
    }

    public void Reset()
    {
        Classification?.Reset();
        Regression?.Reset();
    }

    /// <summary>The requested metrics by key.</summary>
    public IReadOnlyDictionary<string, double> Compute()
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        if (Regression is not null)
        {
            values["mse"] = Regression.MeanSquaredError;
            values["mae"] = Regression.MeanAbsoluteError;
            return values;
        }

        var metrics = Classification!;
        bool binary = Task == TaskKind.BinaryClassification;
        foreach (var kind in Kinds)
        {
            switch (kind)
            {
                case MetricKind.Accuracy:
                    values["accuracy"] = metrics.Accuracy;
                    break;
                case MetricKind.Precision:
                    values["precision"] = binary ? metrics.Precision(1) : metrics.MacroPrecision;
                    break;
                case MetricKind.Recall:
                    values["recall"] = binary ? metrics.Recall(1) : metrics.MacroRecall;
                    break;
                case MetricKind.F1:
                    values["f1"] = binary ? metrics.F1(1) : metrics.MacroF1;
                    break;
                case MetricKind.PerClassAccuracy:
                    var perClass = metrics.PerClassAccuracy;
                    for (int c = 0; c < perClass.Count; c++) values[$"class-{c}-accuracy"] = perClass[c];
                    break;
                case MetricKind.ConfusionMatrix:
                    break; // not a scalar; see ConfusionMatrix
                default:
                    throw new InvalidOperationException($"Unknown metric {kind}.");
            }
        }
        return values;
    }
}
