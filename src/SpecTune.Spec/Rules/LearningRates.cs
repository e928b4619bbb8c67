using System.Linq;

namespace SpecTune.Spec
{
    /// <summary>How a phase's rates resolve: a group named in `lr:` gets its own rate, other trained groups the phase-wide one, which defaults to the optimizer's.</summary>
    public static class LearningRates
    {
        /// <summary>The rate of groups the phase's `lr:` does not name.</summary>
        public static double PhaseRate(PhaseSpec phase, OptimizerSpec optimizer) =>
            phase.LearningRates.FirstOrDefault(r => r.Group is null)?.LearningRate ?? optimizer.LearningRate;

        /// <summary>The base rate (before the schedule's factor) of <paramref name="group"/> in <paramref name="phase"/>.</summary>
        public static double RateOf(PhaseSpec phase, OptimizerSpec optimizer, string group) =>
            phase.LearningRates.FirstOrDefault(r => r.Group == group)?.LearningRate ?? PhaseRate(phase, optimizer);
    }
}
