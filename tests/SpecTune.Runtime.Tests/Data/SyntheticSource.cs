using SpecTune.Data;

namespace SpecTune.Tests.Data;

/// <summary>
/// An in-memory image source: sample i is [1, 2, 3] with values i * 100 + position, label i % classes.
/// It can be told to fail at one index or to read slowly, and counts reads, finished and in progress.
/// </summary>
internal sealed class SyntheticSource(int count, int classes = 3, int failAt = -1, float? labelOverride = null, int readDelayMs = 0) : IDataSource
{
    private int _reads;
    private int _inFlight;

    public string Origin => "/synthetic";

    public int Count => count;

    public IReadOnlyList<int> SampleShape { get; } = [1, 2, 3];

    public int ClassCount => classes;

    public int Reads => Volatile.Read(ref _reads);

    public int InFlight => Volatile.Read(ref _inFlight);

    public void ReadFeatures(int index, Span<float> destination)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            if (readDelayMs > 0)
                Thread.Sleep(readDelayMs);
            if (index == failAt)
                throw new DataException("/synthetic/sample-" + index, "is broken on purpose");
            for (int p = 0; p < 6; p++)
                destination[p] = index * 100 + p;
        }
        finally
        {
            Interlocked.Increment(ref _reads);
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public float ReadTarget(int index) => labelOverride ?? (classes == 0 ? index * 0.5f : index % classes);
}
