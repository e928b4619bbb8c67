namespace SpecTune.Data;

/// <summary>
/// Bilinear resize of [C, H, W] samples to [C, height, width], with the same sampling as PyTorch's
/// <c>interpolate(mode="bilinear", align_corners=False, antialias=False)</c>: pixel centres are
/// aligned, so a model sees what it would have seen in a PyTorch pipeline.
/// </summary>
internal sealed class ResizeTransform : ISampleTransform
{
    public ResizeTransform(int height, int width)
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(nameof(height), $"expected a positive size, got {height}x{width} (HxW)");
        Height = height;
        Width = width;
    }

    public int Height { get; }

    public int Width { get; }

    public bool IsAugmentation => false;

    public IReadOnlyList<int> OutputShape(IReadOnlyList<int> input)
    {
        var (channels, _, _) = ImageShape.Require(input, "resize");
        return [channels, Height, Width];
    }

    public void Apply(ReadOnlySpan<float> input, IReadOnlyList<int> inputShape, Span<float> output, Random random)
    {
        var (channels, height, width) = ImageShape.Require(inputShape, "resize");
        Bilinear(input, channels, height, width, output, Height, Width);
    }

    /// <summary>Planar bilinear resize; shared with <see cref="ImageFolderDataSource"/>, which resizes while decoding.</summary>
    internal static void Bilinear(ReadOnlySpan<float> input, int channels, int inHeight, int inWidth, Span<float> output, int outHeight, int outWidth)
    {
        if (inHeight == outHeight && inWidth == outWidth)
        {
            input[..(channels * inHeight * inWidth)].CopyTo(output);
            return;
        }
        // Column taps are the same for every row and channel, so they are computed once.
        Span<int> x0 = outWidth <= 1024 ? stackalloc int[outWidth] : new int[outWidth];
        Span<int> x1 = outWidth <= 1024 ? stackalloc int[outWidth] : new int[outWidth];
        Span<float> xWeight = outWidth <= 1024 ? stackalloc float[outWidth] : new float[outWidth];
        float xScale = (float)inWidth / outWidth, yScale = (float)inHeight / outHeight;
        for (int x = 0; x < outWidth; x++)
            (x0[x], x1[x], xWeight[x]) = Tap(x, xScale, inWidth);

        int inPlane = inHeight * inWidth, outPlane = outHeight * outWidth;
        for (int y = 0; y < outHeight; y++)
        {
            var (y0, y1, yWeight) = Tap(y, yScale, inHeight);
            for (int c = 0; c < channels; c++)
            {
                var top = input.Slice(c * inPlane + y0 * inWidth, inWidth);
                var bottom = input.Slice(c * inPlane + y1 * inWidth, inWidth);
                var row = output.Slice(c * outPlane + y * outWidth, outWidth);
                for (int x = 0; x < outWidth; x++)
                {
                    float w = xWeight[x];
                    float upper = top[x0[x]] * (1 - w) + top[x1[x]] * w;
                    float lower = bottom[x0[x]] * (1 - w) + bottom[x1[x]] * w;
                    row[x] = upper * (1 - yWeight) + lower * yWeight;
                }
            }
        }
    }

    private static (int Low, int High, float Weight) Tap(int outIndex, float scale, int inSize)
    {
        float source = Math.Max((outIndex + 0.5f) * scale - 0.5f, 0f);
        int low = Math.Min((int)source, inSize - 1);
        int high = low < inSize - 1 ? low + 1 : low;
        return (low, high, source - low);
    }
}
