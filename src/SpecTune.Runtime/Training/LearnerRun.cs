using SpecTune.Optimization;
using static TorchSharp.torch;

namespace SpecTune.Training;

/// <summary>
/// Where a <see cref="Learner"/>'s fit stands, shared with its callbacks: the position (phase, epoch, step), the phase's
/// optimizer, what was measured, and the levers callbacks pull (stop the phase, feed cached batches, evaluate otherwise).
/// </summary>
public sealed class LearnerRun
{
    internal LearnerRun(IReadOnlyList<PhasePlan> phases) => Phases = phases;

    /// <summary>Every phase of this fit.</summary>
    public IReadOnlyList<PhasePlan> Phases { get; }

    /// <summary>0-based phase in progress (a resuming callback may move it in BeforeFit).</summary>
    public int PhaseIndex { get; set; }

    /// <summary>The phase in progress.</summary>
    public PhasePlan Phase => Phases[PhaseIndex];

    /// <summary>0-based epoch within the phase (a resuming callback may move it in BeforePhase).</summary>
    public int Epoch { get; set; }

    /// <summary>Steps done in the epoch in progress (a resuming callback may move it in BeforePhase).</summary>
    public int StepInEpoch { get; set; }

    /// <summary>Optimizer steps since the run began, across phases.</summary>
    public long GlobalStep { get; set; }

    /// <summary>Steps in a full epoch.</summary>
    public int StepsPerEpoch { get; internal set; }

    /// <summary>True when the run continues a checkpoint (set by the callback that restored it).</summary>
    public bool Resumed { get; set; }

    /// <summary>The phase's optimizer (null between phases).</summary>
    public FineTuneOptimizer? Optimizer { get; internal set; }

    /// <summary>How the phase runs the backbone (a feature-cache callback decides it in BeforePhase).</summary>
    internal FrozenPrefixPlan Prefix { get; set; } = new(PrefixMode.Trainable, null);

    /// <summary>The last step's loss (not finite: that step updated nothing).</summary>
    public double StepLoss { get; internal set; }

    /// <summary>Mean training loss over this epoch's steps so far.</summary>
    public double EpochLoss { get; internal set; }

    /// <summary>Epochs of the phase done (fewer than planned when stopped early).</summary>
    public int EpochsRun { get; set; }

    /// <summary>Set by a callback to end the phase after the current epoch (or before the next one).</summary>
    public bool StopPhase { get; set; }

    /// <summary>The phase's early-stopping state, when a callback tracks one (checkpoints save it).</summary>
    internal EarlyStopping? Stopping { get; set; }

    /// <summary>The best epoch's weights kept for restore-best (owned by the run; checkpoints save them).</summary>
    public Dictionary<string, Tensor>? Best { get; set; }

    /// <summary>0-based epoch whose weights the phase ended with when restore-best replaced them.</summary>
    public int? BestEpoch { get; set; }

    /// <summary>The latest validation evaluation of the weights as they are (null once they change).</summary>
    public EvaluationResult? Evaluation { get; set; }

    /// <summary>Every epoch so far, including those before a resume.</summary>
    public List<EpochResult> History { get; } = new();

    /// <summary>Every finished phase.</summary>
    public List<PhaseSummary> Summaries { get; } = new();

    /// <summary>Replaces the training batches of this phase: (schedule epoch, batches to skip) to batches.</summary>
    public Func<int, int, IEnumerable<Data.Batch>>? TrainBatches { get; set; }

    /// <summary>Replaces this phase's validation evaluation.</summary>
    public Func<EvaluationResult?>? Evaluate { get; set; }

    internal void DisposeBest()
    {
        if (Best is null) return;
        foreach (var tensor in Best.Values) tensor.Dispose();
        Best = null;
    }
}
