namespace SpecTune.Data;

/// <summary>
/// Keeps only the samples whose label is one of <see cref="Classes"/> and renumbers them 0..n-1 in the
/// order given: with classes [7, 9], label 7 becomes 0 and label 9 becomes 1 (spec <c>classes:</c>).
/// </summary>
internal sealed class ClassFilterSource : IDataSource
{
    private readonly int[] _indices;
    private readonly int[] _targets;

    public ClassFilterSource(IDataSource source, IReadOnlyList<int> classes)
    {
        Source = source;
        Classes = classes.ToArray();
        var listed = $"[{string.Join(", ", Classes)}]";
        if (source.ClassCount == 0)
            throw new DataException(source.Origin, $"classes: {listed} keeps class labels, but this data has regression targets; expected class-labelled data");
        if (Classes.Count == 0)
            throw new ArgumentException("expected at least one class", nameof(classes));

        var newLabel = new Dictionary<int, int>();
        for (int i = 0; i < Classes.Count; i++)
        {
            if (Classes[i] < 0 || Classes[i] >= source.ClassCount)
                throw new DataException(source.Origin, $"classes: {listed} names label {Classes[i]}, outside the data's class range 0..{source.ClassCount - 1}");
            if (!newLabel.TryAdd(Classes[i], i))
                throw new ArgumentException($"class {Classes[i]} is listed twice in {listed}", nameof(classes));
        }

        var indices = new List<int>();
        var targets = new List<int>();
        for (int i = 0; i < source.Count; i++)
        {
            if (newLabel.TryGetValue((int)source.ReadTarget(i), out int label))
            {
                indices.Add(i);
                targets.Add(label);
            }
        }
        if (indices.Count == 0)
            throw new DataException(source.Origin, $"has no samples with the labels of classes: {listed}; expected at least one");
        _indices = indices.ToArray();
        _targets = targets.ToArray();
    }

    public IDataSource Source { get; }

    /// <summary>The original labels kept; new label i is Classes[i].</summary>
    public IReadOnlyList<int> Classes { get; }

    public string Origin => Source.Origin;

    public int Count => _indices.Length;

    public IReadOnlyList<int> SampleShape => Source.SampleShape;

    public int ClassCount => Classes.Count;

    public void ReadFeatures(int index, Span<float> destination) => Source.ReadFeatures(_indices[index], destination);

    public float ReadTarget(int index) => _targets[index];
}
