namespace SpecTune.Data;

/// <summary>A view of some samples of another source, in the order of <see cref="Indices"/>.</summary>
internal sealed class SubsetSource : IDataSource
{
    private readonly int[] _indices;

    public SubsetSource(IDataSource source, IEnumerable<int> indices)
    {
        Source = source;
        _indices = indices.ToArray();
        foreach (var index in _indices)
        {
            if ((uint)index >= (uint)source.Count)
                throw new ArgumentOutOfRangeException(nameof(indices), index, $"expected indices 0..{source.Count - 1} of {source.Origin}");
        }
    }

    public IDataSource Source { get; }

    /// <summary>Indices into <see cref="Source"/>: sample i of this view is sample Indices[i] there.</summary>
    public IReadOnlyList<int> Indices => _indices;

    public string Origin => Source.Origin;

    public int Count => _indices.Length;

    public IReadOnlyList<int> SampleShape => Source.SampleShape;

    public int ClassCount => Source.ClassCount;

    public void ReadFeatures(int index, Span<float> destination) => Source.ReadFeatures(_indices[index], destination);

    public float ReadTarget(int index) => Source.ReadTarget(_indices[index]);
}
