namespace SpecTune.Data;

/// <summary>Mirrors a [C, H, W] sample left-right with probability <see cref="Probability"/> (augmentation).</summary>
internal sealed class RandomHorizontalFlipTransform : ISampleTransform
{
    public RandomHorizontalFlipTransform(double probability = 0.5)
    {
        if (probability is < 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "expected a probability in [0, 1]");
        Probability = probability;
    }

    public double Probability { get; }

    public bool IsAugmentation => true;

    public IReadOnlyList<int> OutputShape(IReadOnlyList<int> input)
    {
        ImageShape.Require(input, "random-flip");
        return input;
    }

    public void Apply(ReadOnlySpan<float> input, IReadOnlyList<int> inputShape, Span<float> output, Random random)
    {
        var (channels, height, width) = ImageShape.Require(inputShape, "random-flip");
        int length = channels * height * width;
        if (random.NextDouble() >= Probability)
        {
            input[..length].CopyTo(output);
            return;
        }
        for (int row = 0; row < channels * height; row++)
        {
            var source = input.Slice(row * width, width);
            var target = output.Slice(row * width, width);
            for (int x = 0; x < width; x++)
                target[x] = source[width - 1 - x];
        }
    }
}
