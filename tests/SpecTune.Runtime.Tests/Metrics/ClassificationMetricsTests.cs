using SpecTune.Metrics;
using SpecTune.Spec;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Tests.Metrics;

public class ClassificationMetricsTests
{
    private const int Precision = 9;

    // true: 0 0 0 0 1 1 2 2
    // pred: 0 0 0 1 1 2 2 2
    // Confusion (rows true, columns predicted): [3 1 0; 0 1 1; 0 0 2].
    private static readonly long[] True3 = [0, 0, 0, 0, 1, 1, 2, 2];
    private static readonly long[] Pred3 = [0, 0, 0, 1, 1, 2, 2, 2];

    [Fact]
    public void Three_class_metrics_match_the_hand_computed_confusion_matrix()
    {
        var metrics = new ClassificationMetrics(3);
        metrics.Add(Pred3, True3);

        Assert.Equal(new long[,] { { 3, 1, 0 }, { 0, 1, 1 }, { 0, 0, 2 } }, metrics.ConfusionMatrix);
        Assert.Equal(6 / 8.0, metrics.Accuracy, Precision);
        // Precision per class: 3/3, 1/2, 2/3. Recall: 3/4, 1/2, 2/2. F1 = 2TP/(2TP+FP+FN): 6/7, 2/4, 4/5.
        Assert.Equal((1 + 0.5 + 2 / 3.0) / 3, metrics.MacroPrecision, Precision);
        Assert.Equal((0.75 + 0.5 + 1) / 3, metrics.MacroRecall, Precision);
        Assert.Equal((6 / 7.0 + 0.5 + 0.8) / 3, metrics.MacroF1, Precision);
        Assert.Equal(new[] { 0.75, 0.5, 1.0 }, metrics.PerClassAccuracy);
    }

    [Fact]
    public void Imbalanced_data_scores_high_accuracy_but_macro_recall_exposes_the_bias()
    {
        // 95 negatives, 5 positives, and a classifier that always says "negative".
        var truth = Enumerable.Repeat(0L, 95).Concat(Enumerable.Repeat(1L, 5)).ToArray();
        var predicted = new long[100];
        var metrics = new ClassificationMetrics(2);
        metrics.Add(predicted, truth);

        Assert.Equal(0.95, metrics.Accuracy, Precision);
        Assert.Equal(0.5, metrics.MacroRecall, Precision);          // (1 + 0) / 2
        Assert.Equal(0.475, metrics.MacroPrecision, Precision);     // (95/100 + 0) / 2, class 1 never predicted
        Assert.Equal(0.0, metrics.Recall(1));
        Assert.Equal(0.0, metrics.Precision(1));                    // zero_division = 0
        Assert.Equal((2 * 95 / 195.0 + 0) / 2, metrics.MacroF1, Precision);

        var set = new MetricSet(TaskKind.BinaryClassification, [MetricKind.Accuracy, MetricKind.Precision, MetricKind.Recall, MetricKind.F1], 2);
        set.Add(torch.zeros(100, dtype: ScalarType.Int64), torch.tensor(truth.Select(t => (float)t).ToArray()));
        var values = set.Compute();
        Assert.Equal(0.95, values["accuracy"], Precision);
        Assert.Equal(0.0, values["precision"]);
        Assert.Equal(0.0, values["recall"]);
        Assert.Equal(0.0, values["f1"]);
    }

    [Fact]
    public void Macro_averages_skip_classes_absent_from_truth_and_predictions_but_count_predicted_only_ones()
    {
        // Five classes declared. Class 3 is predicted once but never true; class 4 appears nowhere.
        // true: 0 0 1 2 ; pred: 0 3 1 2  -> classes averaged: 0, 1, 2, 3.
        var metrics = new ClassificationMetrics(5);
        metrics.Add([0, 3, 1, 2], [0, 0, 1, 2]);

        // Recall: 1/2, 1, 1, 0 (no support). Precision: 1, 1, 1, 0 (its only prediction is wrong).
        Assert.Equal((0.5 + 1 + 1 + 0) / 4, metrics.MacroRecall, Precision);
        Assert.Equal((1 + 1 + 1 + 0) / 4.0, metrics.MacroPrecision, Precision);
        // F1: 2/3, 1, 1, 0.
        Assert.Equal((2 / 3.0 + 1 + 1 + 0) / 4, metrics.MacroF1, Precision);
        Assert.Equal(new[] { 0.5, 1, 1, 0, 0 }, metrics.PerClassAccuracy);
    }

    [Fact]
    public void Batches_accumulate_and_tensors_count_like_spans()
    {
        var oneShot = new ClassificationMetrics(3);
        oneShot.Add(Pred3, True3);

        var batched = new ClassificationMetrics(3);
        batched.Add(torch.tensor(Pred3[..3]), torch.tensor(True3[..3]));
        // Targets as a data loader gives them (floats, [N, 1]).
        batched.Add(torch.tensor(Pred3[3..]), torch.tensor(True3[3..].Select(t => (float)t).ToArray()).reshape(-1, 1));

        Assert.Equal(8, batched.Count);
        Assert.Equal(oneShot.ConfusionMatrix, batched.ConfusionMatrix);
        batched.Reset();
        Assert.Equal(0, batched.Count);
        Assert.Throws<InvalidOperationException>(() => batched.Accuracy);
    }

    [Fact]
    public void Rejects_out_of_range_classes_without_counting_any_of_the_batch()
    {
        var metrics = new ClassificationMetrics(3);
        Assert.Throws<ArgumentOutOfRangeException>(() => metrics.Add([0, 1, 3], [0, 1, 2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => metrics.Add([0], [-1]));
        Assert.Throws<ArgumentException>(() => metrics.Add([0, 1], [0]));
        Assert.Equal(0, metrics.Count);
        Assert.Equal(new long[3, 3], metrics.ConfusionMatrix);
    }

    [Fact]
    public void Metric_set_reports_the_requested_keys_in_order()
    {
        var set = new MetricSet(TaskKind.MulticlassClassification,
            [MetricKind.F1, MetricKind.Accuracy, MetricKind.PerClassAccuracy, MetricKind.Precision, MetricKind.Recall], 3);
        set.Add(torch.tensor(Pred3), torch.tensor(True3));
        var values = set.Compute();

        Assert.Equal(new[] { "f1", "accuracy", "class-0-accuracy", "class-1-accuracy", "class-2-accuracy", "precision", "recall" }, values.Keys);
        Assert.Equal(0.75, values["accuracy"], Precision);
        Assert.Equal((6 / 7.0 + 0.5 + 0.8) / 3, values["f1"], Precision);
        Assert.Equal((1 + 0.5 + 2 / 3.0) / 3, values["precision"], Precision);
        Assert.Equal((0.75 + 0.5 + 1) / 3, values["recall"], Precision);
        Assert.Equal(0.5, values["class-1-accuracy"], Precision);
        Assert.Null(set.ConfusionMatrix);
    }

    [Fact]
    public void Metric_set_exposes_the_confusion_matrix_only_when_asked()
    {
        var set = new MetricSet(TaskKind.MulticlassClassification, [MetricKind.ConfusionMatrix], 3);
        set.Add(torch.tensor(Pred3), torch.tensor(True3));
        Assert.Empty(set.Compute());
        Assert.Equal(new long[,] { { 3, 1, 0 }, { 0, 1, 1 }, { 0, 0, 2 } }, set.ConfusionMatrix);
    }

    [Fact]
    public void Binary_metric_set_reports_the_positive_class()
    {
        // true: 1 1 1 0 0 ; pred: 1 0 1 1 0 -> class 1: TP 2, FP 1, FN 1.
        var set = new MetricSet(TaskKind.BinaryClassification, [MetricKind.Precision, MetricKind.Recall, MetricKind.F1], 2);
        set.Add(torch.tensor(new long[] { 1, 0, 1, 1, 0 }), torch.tensor(new long[] { 1, 1, 1, 0, 0 }));
        var values = set.Compute();
        Assert.Equal(2 / 3.0, values["precision"], Precision);
        Assert.Equal(2 / 3.0, values["recall"], Precision);
        Assert.Equal(2 / 3.0, values["f1"], Precision);
        // The macro value differs (class 0: precision 1/2), so the binary choice is observable.
        Assert.Equal((0.5 + 2 / 3.0) / 2, set.Classification!.MacroPrecision, Precision);
    }

    [Fact]
    public void Metric_set_rejects_classification_metrics_for_regression()
    {
        Assert.Throws<ArgumentException>(() => new MetricSet(TaskKind.Regression, [MetricKind.Accuracy], 0));
        Assert.Throws<ArgumentException>(() => new MetricSet(TaskKind.BinaryClassification, [MetricKind.Accuracy], 3));
    }
}
