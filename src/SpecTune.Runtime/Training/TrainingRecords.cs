namespace SpecTune.Training;

/// <summary>How a training run is driven.</summary>
public sealed record TrainingOptions
{
    /// <summary>Continue from the latest checkpoint when one exists (its spec hash must match).</summary>
    public bool Resume { get; init; }

    /// <summary>Receives step and epoch events.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>Stops at the next step; a checkpoint is saved first.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Report a step event every this many optimizer steps (epoch events always come).</summary>
    public int ProgressInterval { get; init; } = 10;

    /// <summary>
    /// Bytes of frozen-backbone features a feature cache keeps in memory (per data set); rows past it spill to a
    /// temporary file. Default 1 GiB.
    /// </summary>
    public long FeatureCacheMemoryLimit { get; init; } = 1L << 30;

    /// <summary>Where feature caches spill (a temporary file, deleted when training ends); null for the system's temp folder.</summary>
    public string? FeatureCacheDirectory { get; init; }

    /// <summary>
    /// Fix glibc malloc's thresholds before the first step so freed activations are reused rather than returned to the
    /// kernel and faulted back in every step (Linux; process-wide, once; see <see cref="Native.NativeAllocator"/>).
    /// Default true; SPECTUNE_MALLOC_TUNING=0 or the user's own malloc settings also leave the allocator alone.
    /// </summary>
    public bool TuneNativeAllocator { get; init; } = true;

    /// <summary>Your own callbacks, run with the spec's (checkpoints, early stopping, metrics log ...) in <see cref="LearnerCallback.Order"/>.</summary>
    public IReadOnlyList<LearnerCallback> Callbacks { get; init; } = [];
}

/// <summary>A progress event: a step (<see cref="EpochCompleted"/> null) or the end of an epoch.</summary>
/// <param name="Phase">The phase's name.</param>
/// <param name="PhaseIndex">0-based phase position.</param>
/// <param name="Epoch">0-based epoch within the phase.</param>
/// <param name="Epochs">The phase's maximum epochs.</param>
/// <param name="StepInEpoch">Steps done in this epoch.</param>
/// <param name="StepsPerEpoch">Steps in a full epoch.</param>
/// <param name="GlobalStep">Optimizer steps done since the run began.</param>
/// <param name="Loss">Mean training loss over the steps of this epoch so far.</param>
/// <param name="EpochCompleted">The finished epoch's results, on epoch events.</param>
public sealed record TrainingProgress(
    string Phase,
    int PhaseIndex,
    int Epoch,
    int Epochs,
    int StepInEpoch,
    int StepsPerEpoch,
    long GlobalStep,
    double Loss,
    EpochResult? EpochCompleted);

/// <summary>What one epoch measured.</summary>
/// <param name="Phase">The phase's name.</param>
/// <param name="PhaseIndex">0-based phase position.</param>
/// <param name="Epoch">0-based epoch within the phase.</param>
/// <param name="GlobalStep">Optimizer steps done when the epoch ended.</param>
/// <param name="Metrics">train-loss, val-loss, val-accuracy, ... as named in the metrics log.</param>
/// <param name="LearningRates">Each optimizer group's rate at the epoch's last step.</param>
/// <param name="Seconds">Wall time of the epoch, evaluation included.</param>
public sealed record EpochResult(
    string Phase,
    int PhaseIndex,
    int Epoch,
    long GlobalStep,
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyDictionary<string, double> LearningRates,
    double Seconds);

/// <summary>How one phase ended.</summary>
/// <param name="Name">The phase's name.</param>
/// <param name="EpochsRun">Epochs trained (fewer than planned when stopped early).</param>
/// <param name="StoppedEarly">True when early stopping ended the phase.</param>
/// <param name="BestEpoch">0-based epoch whose weights the phase ended with when restore-best applied; null otherwise.</param>
/// <param name="TrainableWeights">Weights that trained in this phase.</param>
/// <param name="FrozenWeights">Weights that stayed frozen.</param>
/// <param name="Final">Validation metrics of the weights the phase ended with.</param>
public sealed record PhaseSummary(
    string Name,
    int EpochsRun,
    bool StoppedEarly,
    int? BestEpoch,
    long TrainableWeights,
    long FrozenWeights,
    IReadOnlyDictionary<string, double> Final)
{
    /// <summary>How the backbone ran: with autograd, frozen under no_grad, or from a feature cache (see docs/runtime.md).</summary>
    internal PrefixMode Prefix { get; init; }

    /// <summary>The last backbone stage whose output was cached ("layer3"; the last stage when only the head trained); null when nothing was.</summary>
    public string? CachedThrough { get; init; }
}

/// <summary>The outcome of <c>Train</c>.</summary>
/// <param name="SpecName">The spec's name.</param>
/// <param name="SpecHash">The spec's hash (as stored in checkpoints).</param>
/// <param name="Epochs">Every epoch, in order (including those before a resume).</param>
/// <param name="Phases">Each finished phase.</param>
/// <param name="Cancelled">True when cancellation stopped the run (a checkpoint was saved).</param>
/// <param name="OutputPath">Where the final weights were written; null when cancelled or no output is set.</param>
/// <param name="CheckpointPath">The latest checkpoint file.</param>
/// <param name="Evaluation">The final validation evaluation (null when there is no validation data or the run was cancelled).</param>
public sealed record TrainingReport(
    string SpecName,
    string SpecHash,
    IReadOnlyList<EpochResult> Epochs,
    IReadOnlyList<PhaseSummary> Phases,
    bool Cancelled,
    string? OutputPath,
    string? CheckpointPath,
    EvaluationResult? Evaluation);

/// <summary>Loss and metrics of a model on a data set.</summary>
/// <param name="Loss">Mean loss per sample.</param>
/// <param name="Metrics">accuracy, precision, recall, f1, class-i-accuracy (classification) or mse, mae (regression).</param>
/// <param name="ConfusionMatrix">Rows: true class, columns: predicted class; null for regression.</param>
/// <param name="Samples">Samples evaluated.</param>
public sealed record EvaluationResult(double Loss, IReadOnlyDictionary<string, double> Metrics, long[,]? ConfusionMatrix, int Samples);

/// <summary>The loss became NaN or infinite; training stopped and the last good checkpoint was kept.</summary>
internal sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException(string message) : base(message) { }

    /// <summary>Creates the exception for the phase named <paramref name="phase"/>.</summary>
    public TrainingDivergedException(string message, string? phase) : base(message) => Phase = phase;

    /// <summary>The name of the phase that diverged; null when not known.</summary>
    public string? Phase { get; }
}
