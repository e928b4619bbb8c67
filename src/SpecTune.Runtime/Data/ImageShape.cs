namespace SpecTune.Data;

/// <summary>Checks that a sample shape is an image, [channels, height, width].</summary>
internal static class ImageShape
{
    public static (int Channels, int Height, int Width) Require(IReadOnlyList<int> shape, string transform)
    {
        if (shape.Count != 3)
            throw new ArgumentException($"{transform} needs image samples [channels, height, width], but samples have shape [{string.Join(", ", shape)}]");
        return (shape[0], shape[1], shape[2]);
    }
}
