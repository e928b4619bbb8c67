namespace SpecTune.Training;

/// <summary>
/// A step in a <see cref="Learner"/>'s run that is not the loop itself (checkpoints, early stopping, the metrics log,
/// the feature cache, progress, the divergence guard ...). Override the hooks you need; the learner calls each hook on
/// every callback in <see cref="Order"/> (then in the order given), and the callbacks read and steer the run through
/// <see cref="Learner.Run"/>. The built-in orders leave room: early stopping 10, checkpoints 20, metrics log 30,
/// progress 40, divergence guard 0, feature cache -10, allocator tuning -20.
/// <code>
/// sealed class PrintLoss : LearnerCallback
/// {
///     public override void AfterEpoch(Learner learner, EpochResult epoch) =>
///         Console.WriteLine($"{epoch.Phase} {epoch.Epoch}: {epoch.Metrics["train-loss"]}");
/// }
/// </code>
/// </summary>
public abstract class LearnerCallback
{
    /// <summary>Lower runs first within each hook.</summary>
    public virtual int Order => 0;

    /// <summary>Before the first phase; a resuming callback sets the run's position here.</summary>
    public virtual void BeforeFit(Learner learner) { }

    /// <summary>A phase was entered (flags, BatchNorm policy) and its optimizer built; no epoch has run.</summary>
    public virtual void BeforePhase(Learner learner) { }

    /// <summary>An epoch is about to start; setting <see cref="LearnerRun.StopPhase"/> ends the phase before it.</summary>
    public virtual void BeforeEpoch(Learner learner) { }

    /// <summary>After each optimizer step (<see cref="LearnerRun.StepLoss"/>; counters already advanced).</summary>
    public virtual void AfterStep(Learner learner) { }

    /// <summary>An epoch ended and was evaluated; <paramref name="epoch"/> is already in <see cref="LearnerRun.History"/>.</summary>
    public virtual void AfterEpoch(Learner learner, EpochResult epoch) { }

    /// <summary>The phase's epochs are over, before its final evaluation (restore-best replaces the weights here).</summary>
    public virtual void AfterEpochs(Learner learner) { }

    /// <summary>A phase ended; <paramref name="summary"/> is already in <see cref="LearnerRun.Summaries"/>.</summary>
    public virtual void AfterPhase(Learner learner, PhaseSummary summary) { }

    /// <summary>Cancellation was requested; the learner returns after this hook (mid-epoch, at <see cref="LearnerRun.StepInEpoch"/>).</summary>
    public virtual void OnCancel(Learner learner) { }

    /// <summary>Always called last, also after an exception or a cancellation: release what the callback holds.</summary>
    public virtual void AfterFit(Learner learner) { }
}
