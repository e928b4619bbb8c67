namespace SpecTune.Training;

/// <summary>Reports a step event every <paramref name="interval"/> steps (and at an epoch's last step), and an event per finished epoch.</summary>
internal sealed class ProgressCallback(IProgress<TrainingProgress> progress, int interval = 10) : LearnerCallback
{
    /// <inheritdoc />
    public override int Order => 40;

    /// <inheritdoc />
    public override void AfterStep(Learner learner)
    {
        var run = learner.Run;
        if (run.StepInEpoch % Math.Max(1, interval) == 0 || run.StepInEpoch == run.StepsPerEpoch)
            progress.Report(new TrainingProgress(run.Phase.Name, run.PhaseIndex, run.Epoch, run.Phase.Epochs, run.StepInEpoch,
                run.StepsPerEpoch, run.GlobalStep, run.EpochLoss, null));
    }

    /// <inheritdoc />
    public override void AfterEpoch(Learner learner, EpochResult epoch)
    {
        var run = learner.Run;
        progress.Report(new TrainingProgress(run.Phase.Name, run.PhaseIndex, epoch.Epoch, run.Phase.Epochs, run.StepsPerEpoch,
            run.StepsPerEpoch, run.GlobalStep, epoch.Metrics["train-loss"], epoch));
    }
}
