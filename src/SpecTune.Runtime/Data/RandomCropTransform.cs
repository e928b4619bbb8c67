namespace SpecTune.Data;

/// <summary>
/// Pads a [C, H, W] sample by <see cref="Padding"/> zeros on every side and crops an H×W window at a
/// random offset (augmentation): the image shifts by up to Padding pixels each way, the shape stays.
/// </summary>
internal sealed class RandomCropTransform : ISampleTransform
{
    public RandomCropTransform(int padding)
    {
        if (padding <= 0)
            throw new ArgumentOutOfRangeException(nameof(padding), padding, "expected a positive padding");
        Padding = padding;
    }

    public int Padding { get; }

    public bool IsAugmentation => true;

    public IReadOnlyList<int> OutputShape(IReadOnlyList<int> input)
    {
        ImageShape.Require(input, "random-crop");
        return input;
    }

    public void Apply(ReadOnlySpan<float> input, IReadOnlyList<int> inputShape, Span<float> output, Random random)
    {
        var (channels, height, width) = ImageShape.Require(inputShape, "random-crop");
        // Offsets into the padded image, 0..2*Padding; the shift relative to the original is offset - Padding.
        int dy = random.Next(2 * Padding + 1) - Padding;
        int dx = random.Next(2 * Padding + 1) - Padding;
        int plane = height * width;
        int xStart = Math.Max(0, -dx), xEnd = Math.Min(width, width - dx);
        output[..(channels * plane)].Clear();
        for (int c = 0; c < channels; c++)
        {
            for (int y = 0; y < height; y++)
            {
                int sourceY = y + dy;
                if (sourceY < 0 || sourceY >= height || xStart >= xEnd)
                    continue;
                input.Slice(c * plane + sourceY * width + xStart + dx, xEnd - xStart)
                    .CopyTo(output.Slice(c * plane + y * width + xStart, xEnd - xStart));
            }
        }
    }
}
