using SpecTune.Spec;

namespace SpecTune.Training;

/// <summary>One phase as the trainer runs it: which groups train, at which base rates, on which schedule.</summary>
/// <param name="Index">0-based position in the spec.</param>
/// <param name="Name">The phase's name.</param>
/// <param name="Epochs">Maximum epochs.</param>
/// <param name="TrainedGroups">Groups whose parameters train; all others are frozen.</param>
/// <param name="LearningRates">Base learning rate of each trained group (before the schedule's factor).</param>
/// <param name="Schedule">The learning-rate schedule within the phase.</param>
/// <param name="BatchNorm">Policy for BatchNorm layers of frozen groups.</param>
public sealed record PhasePlan(
    int Index,
    string Name,
    int Epochs,
    IReadOnlyList<string> TrainedGroups,
    IReadOnlyDictionary<string, double> LearningRates,
    ScheduleSpec Schedule,
    BatchNormPolicy BatchNorm)
{
    /// <summary>True when <paramref name="group"/> trains in this phase.</summary>
    public bool Trains(string group) => TrainedGroups.Contains(group, StringComparer.Ordinal);

    /// <summary>The rate for a parameter of <paramref name="group"/>, or the phase default for a group it does not name.</summary>
    public double RateOf(string group) => LearningRates.TryGetValue(group, out var rate) ? rate : DefaultRate;

    /// <summary>The phase-wide rate (groups without their own rate, and BatchNorm affine parameters trained by policy).</summary>
    public double DefaultRate { get; init; }
}

/// <summary>Turns the spec's phases into <see cref="PhasePlan"/>s; every group and rate is known before training starts.</summary>
internal static class PhasePlanner
{
    /// <summary>Plans every phase of <paramref name="spec"/>.</summary>
    public static IReadOnlyList<PhasePlan> Plan(FineTuneSpec spec)
    {
        var plans = new List<PhasePlan>();
        for (int i = 0; i < spec.Phases.Count; i++)
        {
            var phase = spec.Phases[i];
            double phaseRate = phase.LearningRates.FirstOrDefault(r => r.Group is null)?.LearningRate ?? spec.Optimizer.LearningRate;
            var rates = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var group in phase.Train) rates[group] = phaseRate;
            foreach (var rate in phase.LearningRates.Where(r => r.Group is not null)) rates[rate.Group!] = rate.LearningRate;
            plans.Add(new PhasePlan(i, phase.Name, phase.Epochs, phase.Train.ToArray(), rates, phase.Schedule,
                phase.BatchNorm ?? spec.BatchNorm) { DefaultRate = phaseRate });
        }
        return plans;
    }
}
