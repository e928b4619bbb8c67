namespace SpecTune.Data;

/// <summary>
/// (x - mean[c]) / std[c] per channel, where the channel is the first dimension of the sample
/// ([C, H, W] images, or each feature of [F] tabular samples). One mean and std apply to every channel.
/// </summary>
internal sealed class NormalizeTransform : ISampleTransform
{
    private readonly float[] _mean;
    private readonly float[] _inverseStd;

    public NormalizeTransform(IReadOnlyList<double> mean, IReadOnlyList<double> std)
    {
        if (mean.Count == 0 || mean.Count != std.Count)
            throw new ArgumentException($"normalize needs as many std values as mean values (at least one); got {mean.Count} mean and {std.Count} std");
        if (std.Any(s => !(s > 0)))
            throw new ArgumentException($"normalize std values must be positive; got [{string.Join(", ", std)}]", nameof(std));
        Mean = mean.ToArray();
        Std = std.ToArray();
        _mean = mean.Select(m => (float)m).ToArray();
        _inverseStd = std.Select(s => (float)(1 / s)).ToArray();
    }

    public IReadOnlyList<double> Mean { get; }

    public IReadOnlyList<double> Std { get; }

    public bool IsAugmentation => false;

    public IReadOnlyList<int> OutputShape(IReadOnlyList<int> input)
    {
        if (input.Count == 0 || (_mean.Length != 1 && _mean.Length != input[0]))
            throw new ArgumentException($"normalize has {_mean.Length} mean/std values, but samples of shape [{string.Join(", ", input)}] have {(input.Count == 0 ? 0 : input[0])} channels; expected 1 value or one per channel");
        return input;
    }

    public void Apply(ReadOnlySpan<float> input, IReadOnlyList<int> inputShape, Span<float> output, Random random)
    {
        OutputShape(inputShape);
        int channels = inputShape[0], plane = input.Length / channels;
        for (int c = 0; c < channels; c++)
        {
            int k = _mean.Length == 1 ? 0 : c;
            float mean = _mean[k], inverseStd = _inverseStd[k];
            var source = input.Slice(c * plane, plane);
            var target = output.Slice(c * plane, plane);
            for (int i = 0; i < plane; i++)
                target[i] = (source[i] - mean) * inverseStd;
        }
    }
}
