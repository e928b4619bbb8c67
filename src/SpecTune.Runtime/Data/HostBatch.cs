namespace SpecTune.Data;

/// <summary>A batch assembled in managed memory, reused from batch to batch so an epoch allocates little.</summary>
internal sealed class HostBatch(int capacity, int sampleLength)
{
    public float[] Features { get; } = new float[capacity * sampleLength];

    public float[] Targets { get; } = new float[capacity];

    /// <summary>The targets as int64, the dtype cross-entropy wants for class indices.</summary>
    public long[] ClassIndices { get; } = new long[capacity];

    public int Size { get; set; }
}
