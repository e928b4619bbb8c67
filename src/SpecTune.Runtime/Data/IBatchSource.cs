namespace SpecTune.Data;

/// <summary>What a <see cref="Training.Learner"/> trains or evaluates on: the batches of an epoch, in a fixed order per epoch.</summary>
public interface IBatchSource
{
    /// <summary>Batches in one full epoch.</summary>
    int BatchesPerEpoch { get; }

    /// <summary>
    /// Epoch <paramref name="epoch"/>'s batches after the first <paramref name="skipBatches"/>; the same arguments must give
    /// the same batches (a resumed run relies on it).
    /// </summary>
    IEnumerable<Batch> Epoch(int epoch, int skipBatches = 0, CancellationToken cancellationToken = default);
}
