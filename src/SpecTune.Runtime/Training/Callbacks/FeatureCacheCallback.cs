using SpecTune.Data;
using SpecTune.Spec;

namespace SpecTune.Training;

/// <summary>
/// Plans each phase's frozen prefix (<see cref="FrozenPrefixPlanner"/>) and, in a cached phase, feeds the learner the
/// backbone's cached output for the same samples in the same order as the loader would give them, and evaluates the
/// rest of the network on the validation set's cache.
/// </summary>
internal sealed class FeatureCacheCallback(FineTuneSpec spec, bool hasAugmentation, FeatureCacheSet caches, DataLoader trainLoader) : LearnerCallback
{
    public override int Order => -10;

    public override void BeforePhase(Learner learner)
    {
        var run = learner.Run;
        var prefix = run.Prefix = FrozenPrefixPlanner.Plan(spec, run.Phase, learner.Network, hasAugmentation);
        if (prefix.Mode != PrefixMode.Cached) return;
        caches.BeginPhase(prefix.CachedStages);
        run.TrainBatches = (epoch, skip) => caches.Train().Batches(trainLoader.SampleOrder(epoch), trainLoader.BatchSize, skip);
        run.Evaluate = () =>
        {
            if (caches.Valid() is not { } valid) return null;
            var order = Enumerable.Range(0, valid.Count).ToArray();
            return learner.Evaluate(valid.Batches(order, trainLoader.BatchSize), cached => learner.Network.ForwardFrom(cached, prefix.CachedStages));
        };
    }

    public override void AfterFit(Learner learner) => caches.Dispose();
}
