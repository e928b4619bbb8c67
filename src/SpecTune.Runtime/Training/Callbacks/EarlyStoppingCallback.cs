using SpecTune.Spec;
using SpecTune.Weights;

namespace SpecTune.Training;

/// <summary>
/// Early stopping per phase: tracks the monitored metric after each epoch, keeps the best weights for restore-best,
/// and stops the phase when patience runs out. It runs before the checkpoint callback, so the decision is in the
/// checkpoint of the epoch that made it, and a run resumed from that checkpoint stops before training on.
/// </summary>
public sealed class EarlyStoppingCallback(EarlyStoppingSpec spec) : LearnerCallback
{
    /// <inheritdoc />
    public override int Order => 10;

    /// <inheritdoc />
    public override void BeforePhase(Learner learner) => learner.Run.Stopping = new EarlyStopping(spec);

    /// <inheritdoc />
    public override void BeforeEpoch(Learner learner)
    {
        // A checkpoint restored after the stopping epoch (killed before the phase's end) replays the decision.
        if (learner.Run.Stopping?.ShouldStop == true) learner.Run.StopPhase = true;
    }

    /// <inheritdoc />
    public override void AfterEpoch(Learner learner, EpochResult epoch)
    {
        var run = learner.Run;
        if (run.Stopping!.Update(epoch.Epoch, epoch.Metrics) && spec.RestoreBest)
        {
            run.DisposeBest();
            run.Best = WeightLoader.StateOf(learner.Network);
        }
        if (run.Stopping.ShouldStop) run.StopPhase = true;
    }

    /// <inheritdoc />
    public override void AfterEpochs(Learner learner)
    {
        var run = learner.Run;
        if (run.Best is { Count: > 0 } best && run.Stopping?.BestEpoch is int bestAt && bestAt != run.EpochsRun - 1)
        {
            WeightLoader.Load(learner.Network, best, new WeightLoadOptions());
            run.BestEpoch = bestAt;
            run.Evaluation = null; // the weights changed since the last epoch's evaluation
        }
        run.DisposeBest();
    }
}
