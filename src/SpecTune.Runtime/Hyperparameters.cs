using SpecTune.Spec;

namespace SpecTune;

/// <summary>The hyperparameters of one phase of a generated model (<typeparamref name="TPhase"/> is its <c>Phase</c> enum).</summary>
/// <param name="Phase">The phase.</param>
/// <param name="Epochs">At most this many epochs (early stopping may end the phase sooner).</param>
/// <param name="LearningRates">The base learning rate of each trained group, before the schedule's factor.</param>
/// <param name="Schedule">The learning-rate schedule within the phase.</param>
public sealed record PhaseHyperparameters<TPhase>(TPhase Phase, int Epochs, IReadOnlyDictionary<string, double> LearningRates, ScheduleKind Schedule)
    where TPhase : struct, Enum;

/// <summary>A spec's hyperparameters as typed values; generated models expose theirs as <c>Hyperparameters</c>.</summary>
/// <param name="Seed">Seeds initialisation, shuffling, dropout and augmentation.</param>
/// <param name="BatchSize">Samples per training step.</param>
/// <param name="Optimizer">The optimizer kind.</param>
/// <param name="LearningRate">The optimizer's default learning rate.</param>
/// <param name="WeightDecay">The optimizer's weight decay.</param>
/// <param name="Phases">Each phase's hyperparameters, in order.</param>
public sealed record HyperparameterSet<TPhase>(int Seed, int BatchSize, OptimizerKind Optimizer, double LearningRate, double WeightDecay,
    IReadOnlyList<PhaseHyperparameters<TPhase>> Phases)
    where TPhase : struct, Enum
{
    /// <summary>The hyperparameters of <paramref name="phase"/>.</summary>
    public PhaseHyperparameters<TPhase> this[TPhase phase] =>
        Phases.First(p => EqualityComparer<TPhase>.Default.Equals(p.Phase, phase));
}
