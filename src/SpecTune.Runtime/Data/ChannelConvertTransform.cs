namespace SpecTune.Data;

/// <summary>
/// Converts [C, H, W] samples between 1 and 3 channels: grey to RGB repeats the plane, RGB to grey
/// takes the ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B), as PIL's "L" mode and torchvision's Grayscale do.
/// </summary>
internal sealed class ChannelConvertTransform : ISampleTransform
{
    public ChannelConvertTransform(int channels)
    {
        if (channels is not (1 or 3))
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "expected 1 or 3 channels");
        Channels = channels;
    }

    public int Channels { get; }

    public bool IsAugmentation => false;

    public IReadOnlyList<int> OutputShape(IReadOnlyList<int> input)
    {
        var (channels, height, width) = ImageShape.Require(input, "channels");
        if (channels is not (1 or 3))
            throw new ArgumentException($"channels: {Channels} converts 1- or 3-channel images; samples have {channels} channels");
        return [Channels, height, width];
    }

    public void Apply(ReadOnlySpan<float> input, IReadOnlyList<int> inputShape, Span<float> output, Random random)
    {
        OutputShape(inputShape);
        int channels = inputShape[0], height = inputShape[1], width = inputShape[2];
        int plane = height * width;
        if (channels == Channels)
        {
            input[..(channels * plane)].CopyTo(output);
        }
        else if (Channels == 3)
        {
            for (int c = 0; c < 3; c++)
                input[..plane].CopyTo(output.Slice(c * plane, plane));
        }
        else
        {
            var red = input[..plane];
            var green = input.Slice(plane, plane);
            var blue = input.Slice(2 * plane, plane);
            for (int i = 0; i < plane; i++)
                output[i] = 0.299f * red[i] + 0.587f * green[i] + 0.114f * blue[i];
        }
    }
}
