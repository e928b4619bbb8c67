using System.Globalization;
using System.Text.Json;
using SpecTune.Checkpoints;
using static TorchSharp.torch;

namespace SpecTune.Training;

/// <summary>
/// Saves a checkpoint (weights, optimizer state, early-stopping state, best weights, history, torch RNG) atomically after
/// every epoch, at every phase boundary and on cancellation; with <paramref name="resume"/>, continues from the latest one
/// whose spec hash matches, bit-exactly.
/// </summary>
public sealed class CheckpointCallback(string folder, string specHash, bool resume) : LearnerCallback
{
    private readonly CheckpointStore _store = new(folder);
    private LoadedCheckpoint? _resume;

    /// <inheritdoc />
    public override int Order => 20;

    /// <summary>The latest checkpoint file.</summary>
    public string LatestPath => _store.LatestPath;

    /// <inheritdoc />
    public override void BeforeFit(Learner learner)
    {
        if (!resume || _store.TryLoadLatest(specHash) is not { } checkpoint) return;
        _resume = checkpoint;
        var run = learner.Run;
        var state = checkpoint.State;
        (run.PhaseIndex, run.GlobalStep, run.Resumed) = (state.PhaseIndex, state.Step, true);
        checkpoint.RestoreModel(learner.Network);
        checkpoint.RestoreRng();
        run.History.AddRange(Decode<EpochResult>(state.Metadata, HistoryKey));
        run.Summaries.AddRange(Decode<PhaseSummary>(state.Metadata, PhasesKey));
    }

    /// <inheritdoc />
    public override void BeforePhase(Learner learner)
    {
        if (_resume is not { } checkpoint) return;
        var run = learner.Run;
        var state = checkpoint.State;
        if (checkpoint.Optimizer.Count > 0) run.Optimizer!.LoadState(checkpoint.Optimizer);
        if (checkpoint.Best is { Count: > 0 } saved) run.Best = saved.ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        int? bestEpoch = state.Metadata.TryGetValue(BestEpochKey, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : null;
        run.Stopping?.Restore(state.BestMetric, bestEpoch, state.EpochsWithoutImprovement);
        (run.Epoch, run.StepInEpoch) = (state.Epoch, state.StepInEpoch);
        ReleaseResume();
    }

    /// <inheritdoc />
    public override void AfterEpoch(Learner learner, EpochResult epoch) => Save(learner.Run, learner, epoch.Epoch + 1, 0, withPhaseState: true);

    /// <inheritdoc />
    public override void AfterPhase(Learner learner, PhaseSummary summary) =>
        Save(learner.Run, learner, 0, 0, withPhaseState: false, phase: learner.Run.PhaseIndex + 1);

    /// <inheritdoc />
    public override void OnCancel(Learner learner) => Save(learner.Run, learner, learner.Run.Epoch, learner.Run.StepInEpoch, withPhaseState: true);

    /// <inheritdoc />
    public override void AfterFit(Learner learner) => ReleaseResume();

    private void ReleaseResume()
    {
        _resume?.Dispose();
        _resume = null;
    }

    private void Save(LearnerRun run, Learner learner, int epoch, int stepInEpoch, bool withPhaseState, int? phase = null)
    {
        var stopping = withPhaseState ? run.Stopping : null;
        var metadata = new Dictionary<string, string>
        {
            [HistoryKey] = JsonSerializer.Serialize(run.History),
            [PhasesKey] = JsonSerializer.Serialize(run.Summaries),
        };
        if (stopping?.BestEpoch is int bestEpoch) metadata[BestEpochKey] = bestEpoch.ToString(CultureInfo.InvariantCulture);
        var optimizerState = (withPhaseState ? run.Optimizer?.SaveState() : null) ?? new Dictionary<string, Tensor>();
        try
        {
            _store.Save(new TrainingCheckpoint
            {
                SpecHash = specHash,
                PhaseIndex = phase ?? run.PhaseIndex,
                Epoch = epoch,
                StepInEpoch = stepInEpoch,
                Step = run.GlobalStep,
                BestMetric = stopping?.Best,
                EpochsWithoutImprovement = stopping?.EpochsWithoutImprovement ?? 0,
                Metadata = metadata,
            }, learner.Network, optimizerState, withPhaseState ? run.Best : null);
        }
        finally
        {
            foreach (var tensor in optimizerState.Values) tensor.Dispose();
        }
    }

    private const string HistoryKey = "history", PhasesKey = "phases", BestEpochKey = "best_epoch";

    private static IEnumerable<T> Decode<T>(IReadOnlyDictionary<string, string> metadata, string key) =>
        metadata.TryGetValue(key, out var json) ? JsonSerializer.Deserialize<List<T>>(json) ?? new() : new();
}
