namespace SpecTune.Data;

/// <summary>
/// A pipeline bound to one input shape: every stage's shapes are computed once, so running a sample
/// allocates nothing; intermediate results alternate between two caller-owned scratch buffers.
/// </summary>
internal sealed class TransformPlan
{
    private readonly ISampleTransform[] _stages;
    private readonly IReadOnlyList<int>[] _inputShapes;

    public TransformPlan(IEnumerable<ISampleTransform> transforms, IReadOnlyList<int> inputShape)
    {
        _stages = transforms.ToArray();
        _inputShapes = new IReadOnlyList<int>[_stages.Length];
        var shape = inputShape;
        InputLength = MaxLength = Length(shape);
        for (int i = 0; i < _stages.Length; i++)
        {
            _inputShapes[i] = shape;
            shape = _stages[i].OutputShape(shape);
            MaxLength = Math.Max(MaxLength, Length(shape));
        }
        OutputShape = shape;
        OutputLength = Length(shape);
        NeedsRandom = _stages.Any(s => s.IsAugmentation);
    }

    public IReadOnlyList<int> OutputShape { get; }

    public int InputLength { get; }

    public int OutputLength { get; }

    /// <summary>The largest intermediate sample; each scratch buffer must hold this many values.</summary>
    public int MaxLength { get; }

    /// <summary>True when a stage is random; otherwise callers need not create a seeded <see cref="Random"/>.</summary>
    public bool NeedsRandom { get; }

    public void Run(ReadOnlySpan<float> input, Span<float> output, Random? random, float[] scratchA, float[] scratchB)
    {
        if (_stages.Length == 0)
        {
            input[..InputLength].CopyTo(output);
            return;
        }
        // Deterministic stages never draw from it, so any instance serves when no stage is random.
        random ??= Random.Shared;
        ReadOnlySpan<float> current = input[..InputLength];
        for (int i = 0; i < _stages.Length; i++)
        {
            var shape = _inputShapes[i];
            int outLength = i + 1 < _stages.Length ? Length(_inputShapes[i + 1]) : OutputLength;
            var target = i == _stages.Length - 1 ? output[..outLength] : (i % 2 == 0 ? scratchA : scratchB).AsSpan(0, outLength);
            _stages[i].Apply(current, shape, target, random);
            current = target;
        }
    }

    private static int Length(IReadOnlyList<int> shape)
    {
        int length = 1;
        foreach (var dim in shape)
            length = checked(length * dim);
        return length;
    }
}
