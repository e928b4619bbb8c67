using System.Diagnostics;
using SpecTune.Data;
using SpecTune.Freezing;
using SpecTune.Losses;
using SpecTune.Metrics;
using SpecTune.Models;
using SpecTune.Optimization;
using SpecTune.Schedules;
using static TorchSharp.torch;

namespace SpecTune.Training;

/// <summary>
/// Layer 1: trains a <see cref="FineTuneNetwork"/> phase by phase, without a spec. Per phase it enters the freeze
/// schedule (flags, BatchNorm policy, gradient release), builds the optimizer from the trained groups, and runs epochs
/// of optimizer steps on the phase's learning-rate schedule, then evaluates. Everything else (checkpoints, early
/// stopping, the metrics log, the feature cache, progress, the divergence guard) is a <see cref="LearnerCallback"/>.
/// Shuffling, augmentation and the learning rate are pure functions of (seed, epoch, step), so a checkpoint callback
/// can resume bit-exactly. docs/runtime.md shows a custom loop.
/// </summary>
public sealed class Learner
{
    private readonly FreezeController _freeze;
    private readonly Func<IReadOnlyList<OptimizerGroup>, FineTuneOptimizer> _optimizer;
    private readonly LearnerCallback[] _callbacks;
    private readonly TrainingStep _step;
    private LearnerRun? _run;

    /// <summary>A learner of <paramref name="network"/> on <paramref name="train"/> (and <paramref name="valid"/> for evaluation).</summary>
    /// <param name="network">The network; <paramref name="groups"/> partition its parameters.</param>
    /// <param name="groups">The parameter groups that phases train or freeze.</param>
    /// <param name="train">Training batches (shuffled per epoch as the source decides).</param>
    /// <param name="valid">Validation batches; null to skip evaluation.</param>
    /// <param name="loss">The training objective (also turns outputs into predictions for metrics).</param>
    /// <param name="optimizer">Builds a phase's optimizer from its trained groups, e.g. <c>g => FineTuneOptimizer.Create(spec, g)</c>.</param>
    /// <param name="callbacks">Run in <see cref="LearnerCallback.Order"/>.</param>
    /// <param name="options">Device, metrics, cancellation, gradient clipping.</param>
    public Learner(FineTuneNetwork network, ParameterGroups groups, IBatchSource train, IBatchSource? valid, LossFunction loss,
        Func<IReadOnlyList<OptimizerGroup>, FineTuneOptimizer> optimizer, IEnumerable<LearnerCallback>? callbacks = null,
        LearnerOptions? options = null)
    {
        Network = network ?? throw new ArgumentNullException(nameof(network));
        Groups = groups ?? throw new ArgumentNullException(nameof(groups));
        Train = train ?? throw new ArgumentNullException(nameof(train));
        Valid = valid;
        Loss = loss ?? throw new ArgumentNullException(nameof(loss));
        _optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        Options = options ?? new LearnerOptions();
        _callbacks = (callbacks ?? []).Select((c, i) => (c, i)).OrderBy(x => x.c.Order).ThenBy(x => x.i).Select(x => x.c).ToArray();
        _freeze = new FreezeController(network, groups);
        _step = new TrainingStep(network, loss, Options.Regularizer, Options.GradientClip, Options.Device);
    }

    /// <summary>The network being trained.</summary>
    public FineTuneNetwork Network { get; }

    /// <summary>Its parameter groups.</summary>
    public ParameterGroups Groups { get; }

    /// <summary>Training batches.</summary>
    public IBatchSource Train { get; }

    /// <summary>Validation batches; null when there are none.</summary>
    public IBatchSource? Valid { get; }

    /// <summary>The objective.</summary>
    public LossFunction Loss { get; }

    /// <summary>Device, metrics, cancellation.</summary>
    public LearnerOptions Options { get; }

    /// <summary>The callbacks in the order they run.</summary>
    public IReadOnlyList<LearnerCallback> Callbacks => _callbacks;

    /// <summary>The fit in progress (or the last one).</summary>
    /// <exception cref="InvalidOperationException">Fit has not been called.</exception>
    public LearnerRun Run => _run ?? throw new InvalidOperationException("Run is only available once Fit has started.");

    /// <summary>Trains <paramref name="phases"/> in order (or what a resuming callback says is left of them).</summary>
    public FitResult Fit(IReadOnlyList<PhasePlan> phases)
    {
        ArgumentNullException.ThrowIfNull(phases);
        var run = _run = new LearnerRun(phases) { StepsPerEpoch = Train.BatchesPerEpoch };
        try
        {
            Each(c => c.BeforeFit(this));
            EvaluationResult? last = null;
            for (; run.PhaseIndex < phases.Count; run.PhaseIndex++)
            {
                if (!FitPhase(run)) return new FitResult(run.History, run.Summaries, Cancelled: true, null);
                last = run.Evaluation;
            }
            return new FitResult(run.History, run.Summaries, Cancelled: false, last);
        }
        finally
        {
            run.Optimizer?.Dispose();
            run.Optimizer = null;
            run.DisposeBest();
            Each(c => c.AfterFit(this));
        }
    }

    /// <summary>Loss and metrics on the validation batches (eval mode, no_grad); null without validation data.</summary>
    public EvaluationResult? EvaluateValidation() => Valid is null ? null : Evaluate(Valid.Epoch(0));

    /// <summary>
    /// Loss and metrics over <paramref name="batches"/>, the network in eval mode and under no_grad;
    /// <paramref name="forward"/> maps a batch's single input (on the device) to outputs: the whole network by default,
    /// or the head alone on cached backbone features.
    /// </summary>
    public EvaluationResult Evaluate(IEnumerable<Batch> batches, Func<Tensor, Tensor>? forward = null)
    {
        var metrics = new MetricSet(Loss.Task, Options.Metrics, Options.ClassCount);
        double lossSum = 0;
        int samples = 0;
        bool wasTraining = Network.training;
        Network.eval();
        try
        {
            using var _ = no_grad();
            foreach (var batch in batches)
            {
                using (batch)
                using (var scope = NewDisposeScope())
                {
                    var output = batch.Inputs.Count == 1 || forward is not null
                        ? (forward ?? Network.call)(batch.Features.to(Options.Device))
                        : Network.Forward(TrainingStep.OnDevice(batch.Inputs, Options.Device));
                    var target = batch.Targets.to(Options.Device);
                    lossSum += Loss.Compute(output, target).item<float>() * batch.Size;
                    samples += batch.Size;
                    metrics.Add(Loss.Task == Spec.TaskKind.Regression ? output : Loss.Predictions(output), target);
                }
            }
        }
        finally
        {
            Network.train(wasTraining);
        }
        return new EvaluationResult(samples == 0 ? double.NaN : lossSum / samples, metrics.Compute(), metrics.ConfusionMatrix, samples);
    }

    /// <summary>Epoch numbers for shuffling run on across phases, so each phase sees fresh orders.</summary>
    public static int ScheduleEpoch(int phaseIndex, int epoch) => phaseIndex * 100_003 + epoch;

    /// <summary>Runs one phase; false when cancelled.</summary>
    private bool FitPhase(LearnerRun run)
    {
        var phase = run.Phase;
        _freeze.Enter(phase);
        (run.Epoch, run.StepInEpoch, run.StopPhase, run.BestEpoch, run.Evaluation) = (0, 0, false, null, null);
        (run.TrainBatches, run.Evaluate) = (null, null);
        run.Prefix = new FrozenPrefixPlan(FrozenPrefixPlanner.BackboneTrains(Network) ? PrefixMode.Trainable : PrefixMode.FrozenNoGrad, null);
        run.Optimizer = _optimizer(_freeze.OptimizerGroups(phase));
        Each(c => c.BeforePhase(this));
        var optimizer = run.Optimizer;

        var census = _freeze.Census();
        long trainable = census.Sum(c => c.Trainable), frozen = census.Sum(c => c.Frozen);
        int stepsPerEpoch = run.StepsPerEpoch;
        long totalPhaseSteps = (long)phase.Epochs * stepsPerEpoch;
        int firstEpoch = run.Epoch, firstStep = run.StepInEpoch;
        run.EpochsRun = firstEpoch;

        for (int epoch = firstEpoch; epoch < phase.Epochs; epoch++)
        {
            run.Epoch = epoch;
            run.StepInEpoch = epoch == firstEpoch ? firstStep : 0;
            Each(c => c.BeforeEpoch(this));
            if (run.StopPhase) break;
            var clock = Stopwatch.StartNew();
            _freeze.SetTrainingMode(phase);
            double lossSum = 0;
            long lossSamples = 0;
            int scheduleEpoch = ScheduleEpoch(run.PhaseIndex, epoch);
            var batches = run.TrainBatches?.Invoke(scheduleEpoch, run.StepInEpoch) ?? Train.Epoch(scheduleEpoch, run.StepInEpoch);
            foreach (var batch in batches)
            {
                using (batch)
                {
                    if (Options.Cancellation.IsCancellationRequested)
                    {
                        Each(c => c.OnCancel(this));
                        return false;
                    }
                    long stepInPhase = (long)epoch * stepsPerEpoch + run.StepInEpoch;
                    double factor = LearningRateSchedule.Factor(phase.Schedule, stepInPhase, totalPhaseSteps, stepsPerEpoch);
                    for (int g = 0; g < optimizer.Groups.Count; g++)
                        optimizer.SetLearningRate(g, optimizer.Groups[g].LearningRate * factor);

                    run.StepLoss = _step.Run(batch, optimizer, run.Prefix);
                    lossSum += run.StepLoss * batch.Size;
                    lossSamples += batch.Size;
                    run.EpochLoss = lossSum / Math.Max(1, lossSamples);
                    run.StepInEpoch++;
                    run.GlobalStep++;
                    Each(c => c.AfterStep(this));
                }
            }

            run.Evaluation = run.Evaluate is { } evaluate ? evaluate() : EvaluateValidation();
            // A resumed epoch only saw part of its batches; its train loss covers those.
            var metrics = new Dictionary<string, double>(StringComparer.Ordinal) { ["train-loss"] = lossSamples == 0 ? double.NaN : lossSum / lossSamples };
            foreach (var (name, value) in ValidationMetrics(run.Evaluation)) metrics[name] = value;
            var rates = new Dictionary<string, double>(StringComparer.Ordinal);
            for (int g = 0; g < optimizer.Groups.Count; g++) rates[optimizer.Groups[g].Name] = optimizer.GetLearningRate(g);
            var result = new EpochResult(phase.Name, run.PhaseIndex, epoch, run.GlobalStep, metrics, rates, clock.Elapsed.TotalSeconds);
            run.History.Add(result);
            run.EpochsRun = epoch + 1;
            Each(c => c.AfterEpoch(this, result));
            if (run.StopPhase) break;
        }

        Each(c => c.AfterEpochs(this));
        bool stoppedEarly = run.StopPhase && run.EpochsRun < phase.Epochs;
        // The last epoch's evaluation still describes the weights unless a callback replaced them (restore-best).
        run.Evaluation ??= run.Evaluate is { } final ? final() : EvaluateValidation();
        var summary = new PhaseSummary(phase.Name, run.EpochsRun, stoppedEarly, run.BestEpoch, trainable, frozen, ValidationMetrics(run.Evaluation))
        {
            Prefix = run.Prefix.Mode,
            CachedThrough = run.Prefix.CutAfter,
        };
        run.Summaries.Add(summary);
        optimizer.Dispose();
        run.Optimizer = null;
        // The next phase starts from here; its optimizer is built fresh, as in an uninterrupted run.
        Each(c => c.AfterPhase(this, summary));
        return true;
    }

    /// <summary>val-loss and val-&lt;metric&gt; of an evaluation, as logged; empty without validation data.</summary>
    internal static Dictionary<string, double> ValidationMetrics(EvaluationResult? evaluation)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        if (evaluation is null) return metrics;
        metrics["val-loss"] = evaluation.Loss;
        foreach (var (name, value) in evaluation.Metrics) metrics["val-" + name] = value;
        return metrics;
    }

    private void Each(Action<LearnerCallback> hook)
    {
        foreach (var callback in _callbacks) hook(callback);
    }
}

/// <summary>How a <see cref="Learner"/> runs besides its parts.</summary>
public sealed record LearnerOptions
{
    /// <summary>Where tensors live; batches are moved there. Default CPU.</summary>
    public Device Device { get; init; } = CPU;

    /// <summary>Metrics computed on validation data (besides the loss).</summary>
    public IReadOnlyList<Spec.MetricKind> Metrics { get; init; } = [];

    /// <summary>Classes for classification metrics (at least 2).</summary>
    public int ClassCount { get; init; } = 2;

    /// <summary>Stops at the next step (callbacks' OnCancel runs first, e.g. a checkpoint).</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Clip the global gradient norm to this value before each update; null for none.</summary>
    public double? GradientClip { get; init; }

    internal L2SpRegularizer? Regularizer { get; init; }
}

/// <summary>What <see cref="Learner.Fit"/> did.</summary>
/// <param name="Epochs">Every epoch, including those before a resume.</param>
/// <param name="Phases">Each finished phase.</param>
/// <param name="Cancelled">True when cancellation stopped the fit.</param>
/// <param name="Evaluation">The last phase's final evaluation (null when cancelled, without validation data or without phases).</param>
public sealed record FitResult(IReadOnlyList<EpochResult> Epochs, IReadOnlyList<PhaseSummary> Phases, bool Cancelled, EvaluationResult? Evaluation);
