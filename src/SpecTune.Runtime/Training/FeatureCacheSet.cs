using SpecTune.Data;

namespace SpecTune.Training;

/// <summary>
/// The feature caches of one training run (training and validation data), reused across epochs and phases while
/// their key holds and rebuilt when it does not; disposing deletes any spill files.
/// </summary>
internal sealed class FeatureCacheSet : IDisposable
{
    private readonly FineTuneJob _job;
    private readonly long _memoryLimit;
    private readonly string _spillDirectory;
    private FeatureCache? _train, _valid;
    private string? _backbone;
    private int _stages;

    public FeatureCacheSet(FineTuneJob job, long memoryLimitBytes, string? spillDirectory)
    {
        _job = job;
        _memoryLimit = memoryLimitBytes;
        _spillDirectory = spillDirectory ?? Path.GetTempPath();
    }

    /// <summary>Caches built so far (a rebuild after a key change counts again).</summary>
    public int Builds { get; private set; }

    /// <summary>
    /// Takes the digest of the backbone's first <paramref name="stages"/> stages as they are now. Call when a cached
    /// phase starts: those stages cannot change until the phase ends (every parameter in them frozen, BatchNorm
    /// statistics frozen), so hashing once per phase is enough.
    /// </summary>
    public void BeginPhase(int stages)
    {
        _stages = stages;
        _backbone = FeatureCache.BackboneDigest(_job.Network, stages);
    }

    /// <summary>The training data's cache for the network as it is now (built, or reused when the key matches).</summary>
    public FeatureCache Train() => Get(ref _train, _job.TrainSource, evalMode: false);

    /// <summary>The validation data's cache (the network in eval mode, as evaluation runs it); null without validation data.</summary>
    public FeatureCache? Valid() => _job.ValidSource is null ? null : Get(ref _valid, _job.ValidSource, evalMode: true);

    private FeatureCache Get(ref FeatureCache? slot, IDataSource source, bool evalMode)
    {
        var key = FeatureCache.ComputeKey(_backbone ?? throw new InvalidOperationException("BeginPhase was not called."), _job.DataIdentity(source));
        if (slot is not null && slot.Key == key) return slot;
        slot?.Dispose();
        slot = null;
        var network = _job.Network;
        bool wasTraining = network.training;
        if (evalMode) network.eval();
        try
        {
            slot = FeatureCache.Build(network, _job.CreateOrderedLoader(source), key, _memoryLimit, _spillDirectory, _job.Device, _stages);
        }
        finally
        {
            // This resets every module's mode, frozen BatchNorm included; validation caches are built during evaluation,
            // and the trainer sets the per-module training modes again at the start of every epoch.
            if (evalMode) network.train(wasTraining);
        }
        Builds++;
        return slot;
    }

    public void Dispose()
    {
        _train?.Dispose();
        _valid?.Dispose();
    }
}
