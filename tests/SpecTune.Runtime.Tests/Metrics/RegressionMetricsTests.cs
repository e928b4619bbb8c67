using SpecTune.Metrics;
using SpecTune.Spec;
using TorchSharp;

namespace SpecTune.Tests.Metrics;

public class RegressionMetricsTests
{
    [Fact]
    public void Mse_and_mae_accumulate_over_batches()
    {
        // Errors: 1, −2 | 3 -> MSE (1 + 4 + 9) / 3, MAE (1 + 2 + 3) / 3.
        var metrics = new RegressionMetrics();
        metrics.Add(torch.tensor(new float[] { 2, 0 }).reshape(2, 1), torch.tensor(new float[] { 1, 2 }));
        metrics.Add([4.0], [1.0]);

        Assert.Equal(3, metrics.Count);
        Assert.Equal(14 / 3.0, metrics.MeanSquaredError, 9);
        Assert.Equal(2.0, metrics.MeanAbsoluteError, 9);
        Assert.Throws<ArgumentException>(() => metrics.Add(torch.zeros(3), torch.zeros(2)));
        metrics.Reset();
        Assert.Throws<InvalidOperationException>(() => metrics.MeanSquaredError);
    }

    [Fact]
    public void Regression_metric_set_reports_mse_and_mae()
    {
        var set = new MetricSet(TaskKind.Regression, [], 0);
        set.Add(torch.tensor(new float[] { 1, 3 }), torch.tensor(new float[] { 0, 0 }));
        var values = set.Compute();
        Assert.Equal(5.0, values["mse"], 9);
        Assert.Equal(2.0, values["mae"], 9);
    }
}
