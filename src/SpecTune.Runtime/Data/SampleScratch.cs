namespace SpecTune.Data;

/// <summary>Per-thread buffers for reading and transforming one sample.</summary>
internal sealed class SampleScratch(int sourceLength, int transformLength)
{
    public float[] Raw { get; } = new float[sourceLength];

    public float[] A { get; } = new float[transformLength];

    public float[] B { get; } = new float[transformLength];
}
