using SpecTune.Spec;

namespace SpecTune.Training;

/// <summary>Tracks the monitored metric within a phase and says when to stop.</summary>
internal sealed class EarlyStopping
{
    private readonly EarlyStoppingSpec _spec;

    /// <summary>Monitors as <paramref name="spec"/> says.</summary>
    public EarlyStopping(EarlyStoppingSpec spec)
    {
        _spec = spec;
        Mode = spec.Mode ?? InferMode(spec.Monitor);
    }

    /// <summary>Whether smaller or larger values are better.</summary>
    public MonitorMode Mode { get; }

    /// <summary>The metric watched, e.g. val-loss.</summary>
    public string Monitor => _spec.Monitor;

    /// <summary>The best value seen in this phase, or null before the first epoch.</summary>
    public double? Best { get; private set; }

    /// <summary>0-based epoch of <see cref="Best"/>.</summary>
    public int? BestEpoch { get; private set; }

    /// <summary>Epochs since the last improvement.</summary>
    public int EpochsWithoutImprovement { get; private set; }

    /// <summary>True when patience has run out.</summary>
    public bool ShouldStop => EpochsWithoutImprovement >= _spec.Patience;

    /// <summary>Restores state saved in a checkpoint.</summary>
    public void Restore(double? best, int? bestEpoch, int epochsWithoutImprovement)
    {
        Best = best;
        BestEpoch = bestEpoch;
        EpochsWithoutImprovement = epochsWithoutImprovement;
    }

    /// <summary>Records an epoch's metrics; returns true when the monitored value improved.</summary>
    /// <exception cref="KeyNotFoundException">The monitored metric was not logged.</exception>
    public bool Update(int epoch, IReadOnlyDictionary<string, double> metrics)
    {
        if (!metrics.TryGetValue(_spec.Monitor, out var value))
            throw new KeyNotFoundException(
                $"early-stopping.monitor '{_spec.Monitor}' is not among the logged metrics ({string.Join(", ", metrics.Keys)}).");
        bool improved = Best is null
            || (Mode == MonitorMode.Min ? value < Best.Value - _spec.MinDelta : value > Best.Value + _spec.MinDelta);
        if (improved)
        {
            Best = value;
            BestEpoch = epoch;
            EpochsWithoutImprovement = 0;
        }
        else
        {
            EpochsWithoutImprovement++;
        }
        return improved;
    }

    /// <summary>Losses are minimised; accuracy, precision, recall and F1 are maximised.</summary>
    public static MonitorMode InferMode(string monitor) =>
        monitor.EndsWith("loss", StringComparison.Ordinal) || monitor.EndsWith("mse", StringComparison.Ordinal) || monitor.EndsWith("mae", StringComparison.Ordinal)
            ? MonitorMode.Min
            : MonitorMode.Max;
}
