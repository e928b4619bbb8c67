using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Metrics;

/// <summary>Mean squared and mean absolute error accumulated over batches, in double precision.</summary>
internal sealed class RegressionMetrics
{
    private double _squaredError;
    private double _absoluteError;

    /// <summary>Values added since construction or the last <see cref="Reset"/>.</summary>
    public long Count { get; private set; }

    /// <summary>Adds a batch; both tensors must hold the same number of values (shapes [N] and [N, 1] mix freely).</summary>
    public void Add(Tensor predicted, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(target);
        if (predicted.numel() != target.numel())
            throw new ArgumentException($"{predicted.numel()} predictions but {target.numel()} targets.", nameof(predicted));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var error = predicted.detach().reshape(-1).to_type(ScalarType.Float64) - target.detach().reshape(-1).to_type(ScalarType.Float64);
        _squaredError += error.square().sum().item<double>();
        _absoluteError += error.abs().sum().item<double>();
        Count += predicted.numel();
    }

    /// <summary>Adds a batch of values.</summary>
    public void Add(ReadOnlySpan<double> predicted, ReadOnlySpan<double> target)
    {
        if (predicted.Length != target.Length)
            throw new ArgumentException($"{predicted.Length} predictions but {target.Length} targets.", nameof(predicted));
        for (int i = 0; i < predicted.Length; i++)
        {
            var error = predicted[i] - target[i];
            _squaredError += error * error;
            _absoluteError += Math.Abs(error);
        }
        Count += predicted.Length;
    }

    public void Reset()
    {
        _squaredError = _absoluteError = 0;
        Count = 0;
    }

    public double MeanSquaredError => Sum(_squaredError);
    public double MeanAbsoluteError => Sum(_absoluteError);

    private double Sum(double total)
    {
        if (Count == 0) throw new InvalidOperationException("No values have been added, so no metric is defined.");
        return total / Count;
    }
}
