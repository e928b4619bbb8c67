namespace SpecTune.Data;

/// <summary>
/// A random-access set of samples, read lazily. Sources hold raw decoded values; preprocessing and
/// augmentation are <see cref="ISampleTransform"/>s applied by the data loader.
/// The loader reads samples from several threads at once, so reads must be thread-safe.
/// </summary>
public interface IDataSource
{
    /// <summary>Where the samples come from (a file or folder path), for error messages.</summary>
    string Origin { get; }

    /// <summary>Number of samples.</summary>
    int Count { get; }

    /// <summary>Shape of one sample's features, e.g. [1, 28, 28] (channels, height, width) or [features].</summary>
    IReadOnlyList<int> SampleShape { get; }

    /// <summary>Number of classes for classification data (labels are 0..ClassCount-1); 0 for regression.</summary>
    int ClassCount { get; }

    /// <summary>Writes sample <paramref name="index"/>'s features (row-major, <see cref="SampleShape"/>) into <paramref name="destination"/>.</summary>
    void ReadFeatures(int index, Span<float> destination);

    /// <summary>The target of sample <paramref name="index"/>: a class index for classification, a value for regression.</summary>
    float ReadTarget(int index);
}

/// <summary>A per-sample transformation (resize, normalise, flip, crop...).</summary>
internal interface ISampleTransform
{
    /// <summary>True when the transform is random (training-time augmentation, skipped for validation).</summary>
    bool IsAugmentation { get; }

    /// <summary>The shape this transform produces from <paramref name="input"/>.</summary>
    IReadOnlyList<int> OutputShape(IReadOnlyList<int> input);

    /// <summary>Transforms one sample. <paramref name="random"/> is seeded per (seed, epoch, sample), so results do not depend on batch order or threads.</summary>
    void Apply(ReadOnlySpan<float> input, IReadOnlyList<int> inputShape, Span<float> output, Random random);
}
