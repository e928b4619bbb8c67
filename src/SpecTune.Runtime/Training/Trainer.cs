using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SpecTune.Checkpoints;
using SpecTune.Data;
using SpecTune.Freezing;
using SpecTune.Losses;
using SpecTune.Metrics;
using SpecTune.Models;
using SpecTune.Native;
using SpecTune.Optimization;
using SpecTune.Schedules;
using SpecTune.Spec;
using SpecTune.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Training;

/// <summary>
/// Runs a spec's phases on a prepared network: per phase it enters the freeze schedule, rebuilds the
/// optimizer with per-group rates, trains epoch by epoch with the phase's schedule, evaluates, applies early
/// stopping, logs, and checkpoints atomically after every epoch and on cancellation. A resumed run continues
/// bit-exactly: the shuffle order, augmentation and learning rate are pure functions of (seed, epoch, step),
/// and the checkpoint holds weights, optimizer state and the torch RNG.
/// </summary>
public sealed class Trainer
{
    private readonly FineTuneJob _job;
    private readonly FineTuneSpec _spec;
    private readonly FineTuneNetwork _network;
    private readonly FreezeController _freeze;
    private readonly LossFunction _loss;
    private readonly TrainingStep _step;

    internal Trainer(FineTuneJob job)
    {
        _job = job;
        _spec = job.Spec;
        _network = job.Network;
        _freeze = new FreezeController(_network, job.Groups);
        _loss = job.Loss;
        _step = new TrainingStep(_network, _loss, job.Regularizer, _spec.Optimizer.GradientClip, job.Device);
    }

    /// <summary>Trains every phase (or what a checkpoint says is left of them).</summary>
    public TrainingReport Run(TrainingOptions options)
    {
        if (!options.TuneNativeAllocator) return RunPhases(options);
        NativeAllocator.TuneForTraining();
        try
        {
            return RunPhases(options);
        }
        finally
        {
            // Steps reuse freed memory while training; afterwards the process gives it back.
            NativeAllocator.ReleaseFreeMemory();
        }
    }

    private TrainingReport RunPhases(TrainingOptions options)
    {
        var plans = PhasePlanner.Plan(_spec);
        var specHash = _job.SpecHash;
        var store = new CheckpointStore(_job.CheckpointFolder);
        var history = new List<EpochResult>();
        var summaries = new List<PhaseSummary>();

        int startPhase = 0, startEpoch = 0, startStepInEpoch = 0;
        long globalStep = 0;
        LoadedCheckpoint? resumeFrom = null;
        if (options.Resume && store.TryLoadLatest(specHash) is { } checkpoint)
        {
            resumeFrom = checkpoint;
            var state = checkpoint.State;
            (startPhase, startEpoch, startStepInEpoch, globalStep) = (state.PhaseIndex, state.Epoch, state.StepInEpoch, state.Step);
            checkpoint.RestoreModel(_network);
            checkpoint.RestoreRng();
            history.AddRange(Decode<EpochResult>(state.Metadata, HistoryKey));
            summaries.AddRange(Decode<PhaseSummary>(state.Metadata, PhasesKey));
        }

        var log = _job.MetricsLogPath is null ? null : new MetricsLog(_job.MetricsLogPath, append: resumeFrom is not null);
        var trainLoader = _job.CreateTrainLoader();
        using var caches = new FeatureCacheSet(_job, options.FeatureCacheMemoryLimit, options.FeatureCacheDirectory);
        int stepsPerEpoch = trainLoader.BatchesPerEpoch;

        EvaluationResult? lastEvaluation = null;
        for (int p = startPhase; p < plans.Count; p++)
        {
            var phase = plans[p];
            _freeze.Enter(phase);
            var prefix = FrozenPrefixPlanner.Plan(_spec, phase, _network, _job.HasAugmentation);
            if (prefix.Mode == PrefixMode.Cached) caches.BeginPhase(prefix.CachedStages);
            using var optimizer = FineTuneOptimizer.Create(_spec.Optimizer, _freeze.OptimizerGroups(phase));
            var stopping = _spec.EarlyStopping is null ? null : new EarlyStopping(_spec.EarlyStopping);
            Dictionary<string, Tensor>? best = null;
            int firstEpoch = 0, firstStep = 0;

            if (resumeFrom is not null && p == startPhase)
            {
                var state = resumeFrom.State;
                if (resumeFrom.Optimizer.Count > 0) optimizer.LoadState(resumeFrom.Optimizer);
                if (resumeFrom.Best is { Count: > 0 } saved) best = Clone(saved);
                int? savedBestEpoch = state.Metadata.TryGetValue(BestEpochKey, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : null;
                stopping?.Restore(state.BestMetric, savedBestEpoch, state.EpochsWithoutImprovement);
                (firstEpoch, firstStep) = (startEpoch, startStepInEpoch);
                resumeFrom.Dispose();
            }

            var census = _freeze.Census();
            long trainable = census.Sum(c => c.Trainable), frozen = census.Sum(c => c.Frozen);
            long totalPhaseSteps = (long)phase.Epochs * stepsPerEpoch;
            bool stoppedEarly = false;
            int epochsRun = firstEpoch;

            for (int epoch = firstEpoch; epoch < phase.Epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                _freeze.SetTrainingMode(phase);
                double lossSum = 0;
                long lossSamples = 0;
                int stepInEpoch = epoch == firstEpoch ? firstStep : 0;

                // A cached phase reads the backbone's output for the same samples in the same order as the loader would give them.
                var batches = prefix.Mode == PrefixMode.Cached
                    ? caches.Train().Batches(trainLoader.SampleOrder(ScheduleEpoch(p, epoch)), trainLoader.BatchSize, stepInEpoch)
                    : trainLoader.Epoch(ScheduleEpoch(p, epoch), stepInEpoch);
                foreach (var batch in batches)
                {
                    using (batch)
                    {
                        if (options.Cancellation.IsCancellationRequested)
                        {
                            SaveCheckpoint(store, specHash, p, epoch, stepInEpoch, globalStep, optimizer, stopping, best, history, summaries);
                            return new TrainingReport(_spec.Name, specHash, history, summaries, Cancelled: true, null, store.LatestPath, null);
                        }

                        long stepInPhase = (long)epoch * stepsPerEpoch + stepInEpoch;
                        double factor = LearningRateSchedule.Factor(phase.Schedule, stepInPhase, totalPhaseSteps, stepsPerEpoch);
                        for (int g = 0; g < optimizer.Groups.Count; g++)
                            optimizer.SetLearningRate(g, optimizer.Groups[g].LearningRate * factor);

                        double stepLoss = _step.Run(batch, optimizer, prefix);
                        if (!double.IsFinite(stepLoss))
                            throw new TrainingDivergedException(
                                $"The loss became {stepLoss.ToString(CultureInfo.InvariantCulture)} in phase '{phase.Name}', epoch {epoch + 1}, step {stepInEpoch + 1} " +
                                $"(global step {globalStep + 1}); training stopped. The last good checkpoint is kept at {store.LatestPath}. " +
                                "Lower the learning rate or enable grad-clip.");

                        lossSum += stepLoss * batch.Size;
                        lossSamples += batch.Size;
                        stepInEpoch++;
                        globalStep++;
                        if (options.Progress is not null && (stepInEpoch % Math.Max(1, options.ProgressInterval) == 0 || stepInEpoch == stepsPerEpoch))
                            options.Progress.Report(new TrainingProgress(phase.Name, p, epoch, phase.Epochs, stepInEpoch, stepsPerEpoch, globalStep,
                                lossSum / Math.Max(1, lossSamples), null));
                    }
                }

                lastEvaluation = EvaluateValidation(prefix, caches);
                // A resumed epoch only saw part of its batches; its train loss covers those.
                var metrics = new Dictionary<string, double>(StringComparer.Ordinal) { ["train-loss"] = lossSamples == 0 ? double.NaN : lossSum / lossSamples };
                foreach (var (name, value) in ValidationMetrics(lastEvaluation)) metrics[name] = value;

                var rates = new Dictionary<string, double>(StringComparer.Ordinal);
                for (int g = 0; g < optimizer.Groups.Count; g++) rates[optimizer.Groups[g].Name] = optimizer.GetLearningRate(g);
                var result = new EpochResult(phase.Name, p, epoch, globalStep, metrics, rates, clock.Elapsed.TotalSeconds);
                history.Add(result);
                log?.Append(result);
                epochsRun = epoch + 1;

                if (stopping is not null && stopping.Update(epoch, metrics) && _spec.EarlyStopping!.RestoreBest)
                {
                    DisposeAll(best);
                    best = WeightLoader.StateOf(_network);
                }
                bool stop = stopping?.ShouldStop ?? false;
                SaveCheckpoint(store, specHash, p, epoch + 1, 0, globalStep, optimizer, stopping, best, history, summaries);
                options.Progress?.Report(new TrainingProgress(phase.Name, p, epoch, phase.Epochs, stepsPerEpoch, stepsPerEpoch, globalStep,
                    metrics["train-loss"], result));
                if (stop) { stoppedEarly = epoch + 1 < phase.Epochs; break; }
            }

            int? bestEpoch = null;
            if (best is not null && stopping?.BestEpoch is int bestAt && bestAt != epochsRun - 1)
            {
                WeightLoader.Load(_network, best, new WeightLoadOptions());
                bestEpoch = bestAt;
                lastEvaluation = null; // the weights changed since the last epoch's evaluation
            }
            DisposeAll(best);
            // The last epoch's evaluation still describes the weights unless restore-best replaced them.
            lastEvaluation ??= EvaluateValidation(prefix, caches);
            summaries.Add(new PhaseSummary(phase.Name, epochsRun, stoppedEarly, bestEpoch, trainable, frozen, ValidationMetrics(lastEvaluation))
            {
                Prefix = prefix.Mode,
                CachedThrough = prefix.CutAfter,
            });
            // The next phase starts from here; its optimizer is built fresh, as in an uninterrupted run.
            SaveCheckpoint(store, specHash, p + 1, 0, 0, globalStep, null, null, null, history, summaries);
            resumeFrom = null;
        }

        string? output = null;
        if (_job.OutputPath is not null)
        {
            output = _job.OutputPath;
            _job.SaveWeights(output);
        }
        // The last phase's final evaluation is of the weights being returned; evaluate only if no phase ran here.
        return new TrainingReport(_spec.Name, specHash, history, summaries, Cancelled: false, output, store.LatestPath,
            lastEvaluation ?? _job.EvaluateValidation());
    }

    /// <summary>Validation loss and metrics; in a cached phase the head runs on the validation set's cached features.</summary>
    /// <summary>val-loss and val-&lt;metric&gt; of an evaluation, as logged; empty without validation data.</summary>
    private static Dictionary<string, double> ValidationMetrics(EvaluationResult? evaluation)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        if (evaluation is null) return metrics;
        metrics["val-loss"] = evaluation.Loss;
        foreach (var (name, value) in evaluation.Metrics) metrics["val-" + name] = value;
        return metrics;
    }

    private EvaluationResult? EvaluateValidation(FrozenPrefixPlan prefix, FeatureCacheSet caches)
    {
        if (prefix.Mode != PrefixMode.Cached) return _job.EvaluateValidation();
        if (caches.Valid() is not { } valid) return null;
        var order = Enumerable.Range(0, valid.Count).ToArray();
        return _job.Evaluate(valid.Batches(order, _spec.Data.BatchSize), cached => _network.ForwardFrom(cached, prefix.CachedStages));
    }

    /// <summary>Epoch numbers for shuffling run on across phases, so each phase sees fresh orders.</summary>
    private static int ScheduleEpoch(int phaseIndex, int epoch) => phaseIndex * 100_003 + epoch;

    private void SaveCheckpoint(CheckpointStore store, string specHash, int phase, int epoch, int stepInEpoch, long step,
        FineTuneOptimizer? optimizer, EarlyStopping? stopping, Dictionary<string, Tensor>? best,
        IReadOnlyList<EpochResult> history, IReadOnlyList<PhaseSummary> summaries)
    {
        var metadata = new Dictionary<string, string>
        {
            [HistoryKey] = JsonSerializer.Serialize(history),
            [PhasesKey] = JsonSerializer.Serialize(summaries),
        };
        if (stopping?.BestEpoch is int bestEpoch) metadata[BestEpochKey] = bestEpoch.ToString(CultureInfo.InvariantCulture);
        var optimizerState = optimizer?.SaveState() ?? new Dictionary<string, Tensor>();
        try
        {
            store.Save(new TrainingCheckpoint
            {
                SpecHash = specHash,
                PhaseIndex = phase,
                Epoch = epoch,
                StepInEpoch = stepInEpoch,
                Step = step,
                BestMetric = stopping?.Best,
                EpochsWithoutImprovement = stopping?.EpochsWithoutImprovement ?? 0,
                Metadata = metadata,
            }, _network, optimizerState, best);
        }
        finally
        {
            DisposeAll(optimizerState);
        }
    }

    private const string HistoryKey = "history", PhasesKey = "phases", BestEpochKey = "best_epoch";

    private static IEnumerable<T> Decode<T>(IReadOnlyDictionary<string, string> metadata, string key) =>
        metadata.TryGetValue(key, out var json) ? JsonSerializer.Deserialize<List<T>>(json) ?? new() : new();

    private static Dictionary<string, Tensor> Clone(IReadOnlyDictionary<string, Tensor> state) =>
        state.ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());

    private static void DisposeAll(Dictionary<string, Tensor>? tensors)
    {
        if (tensors is null) return;
        foreach (var tensor in tensors.Values) tensor.Dispose();
        tensors.Clear();
    }
}
