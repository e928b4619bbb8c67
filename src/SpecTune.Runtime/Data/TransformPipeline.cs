using SpecTune.Spec;

namespace SpecTune.Data;

/// <summary>
/// An ordered list of <see cref="ISampleTransform"/>s. Preprocessing transforms run on every sample;
/// augmentations (<see cref="ISampleTransform.IsAugmentation"/>) only when training.
/// </summary>
internal sealed class TransformPipeline
{
    private readonly ISampleTransform[] _transforms;

    public TransformPipeline(IEnumerable<ISampleTransform> transforms) => _transforms = transforms.ToArray();

    public static TransformPipeline Empty { get; } = new([]);

    public IReadOnlyList<ISampleTransform> Transforms => _transforms;

    public bool HasAugmentation => _transforms.Any(t => t.IsAugmentation);

    /// <summary>The transforms that run: all when training, the preprocessing ones otherwise.</summary>
    public IEnumerable<ISampleTransform> Active(bool training) => _transforms.Where(t => training || !t.IsAugmentation);

    /// <summary>The sample shape after the pipeline; throws <see cref="ArgumentException"/> when a transform does not fit the shape.</summary>
    public IReadOnlyList<int> OutputShape(IReadOnlyList<int> input, bool training) =>
        Active(training).Aggregate(input, (shape, transform) => transform.OutputShape(shape));

    /// <summary>Transforms one sample into a new array (convenient for inference and tests; the data loader reuses buffers instead).</summary>
    public float[] Apply(ReadOnlySpan<float> input, IReadOnlyList<int> inputShape, bool training, Random random)
    {
        var plan = Plan(inputShape, training);
        var output = new float[plan.OutputLength];
        plan.Run(input, output, random, new float[plan.MaxLength], new float[plan.MaxLength]);
        return output;
    }

    /// <summary>
    /// The pipeline a spec's <c>transforms:</c> describe for samples of <paramref name="sourceShape"/>.
    /// Order: channel reduction (3→1, before resizing so that only one plane is resized), resize,
    /// channel expansion (1→3, after resizing for the same reason), random crop, random flip, normalize
    /// last so that crop padding is zero in the raw value range, as in torchvision's usual order.
    /// Steps that would not change the shape's channels or size are left out, which is why sources that
    /// already decode to the requested size and channels (<see cref="ImageFolderDataSource"/>) get none.
    /// <c>scale</c> is not a transform: sources apply it while decoding (see <see cref="DataSourceFactory"/>).
    /// </summary>
    public static TransformPipeline FromSpec(TransformSpec spec, IReadOnlyList<int> sourceShape)
    {
        var transforms = new List<ISampleTransform>();
        var shape = sourceShape;
        void Add(ISampleTransform transform)
        {
            shape = transform.OutputShape(shape);
            transforms.Add(transform);
        }

        if (spec.Channels is int reduced && reduced < ImageShape.Require(shape, "channels").Channels)
            Add(new ChannelConvertTransform(reduced));
        if (!spec.Resize.IsEmpty)
        {
            if (spec.Resize.Count != 2)
                throw new ArgumentException($"resize expects [height, width]; got {spec.Resize}");
            var (_, height, width) = ImageShape.Require(shape, "resize");
            if (height != spec.Resize[0] || width != spec.Resize[1])
                Add(new ResizeTransform(spec.Resize[0], spec.Resize[1]));
        }
        if (spec.Channels is int expanded && expanded > ImageShape.Require(shape, "channels").Channels)
            Add(new ChannelConvertTransform(expanded));
        if (spec.RandomCrop > 0)
            Add(new RandomCropTransform(spec.RandomCrop));
        if (spec.RandomFlip)
            Add(new RandomHorizontalFlipTransform());
        if (!spec.Mean.IsEmpty || !spec.Std.IsEmpty)
            Add(new NormalizeTransform(spec.Mean, spec.Std));
        return new TransformPipeline(transforms);
    }

    internal TransformPlan Plan(IReadOnlyList<int> inputShape, bool training) => new(Active(training), inputShape);
}
