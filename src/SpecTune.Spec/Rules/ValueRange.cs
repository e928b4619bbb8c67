using System.Globalization;

namespace SpecTune.Spec
{
    /// <summary>An interval of allowed numbers; the checker, the runtime and the JSON Schema read the same instance.</summary>
    public sealed class ValueRange
    {
        public ValueRange(double? min, bool minExclusive, double? max, bool maxExclusive)
        {
            Min = min;
            MinExclusive = minExclusive;
            Max = max;
            MaxExclusive = maxExclusive;
        }

        public double? Min { get; }
        public bool MinExclusive { get; }
        public double? Max { get; }
        public bool MaxExclusive { get; }

        public bool Contains(double value) =>
            !double.IsNaN(value)
            && (Min is not { } min || (MinExclusive ? value > min : value >= min))
            && (Max is not { } max || (MaxExclusive ? value < max : value <= max));

        /// <summary>How messages state the range, e.g. "at least 0 and below 1".</summary>
        public string Describe()
        {
            string? low = Min is { } min ? (MinExclusive ? "above " : "at least ") + Format(min) : null;
            string? high = Max is { } max ? (MaxExclusive ? "below " : "at most ") + Format(max) : null;
            return low is null ? high ?? "any number" : high is null ? low : low + " and " + high;
        }

        private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>The value ranges of the grammar, by key (see <see cref="SpecGrammar"/>).</summary>
    public static class ValueRanges
    {
        public static ValueRange Positive { get; } = new ValueRange(0, true, null, false);
        public static ValueRange AtLeastZero { get; } = new ValueRange(0, false, null, false);
        public static ValueRange AtLeastOne { get; } = new ValueRange(1, false, null, false);
        /// <summary>[0, 1): probabilities that must leave something (dropout, label smoothing, momentum, betas).</summary>
        public static ValueRange UnitHalfOpen { get; } = new ValueRange(0, false, 1, true);
        public static ValueRange UnitOpen { get; } = new ValueRange(0, true, 1, true);
        public static ValueRange UnitClosed { get; } = new ValueRange(0, false, 1, false);
        public static ValueRange GammaRange { get; } = new ValueRange(0, true, 1, false);

        /// <summary>`loss.label-smoothing`: 1 would make every target uniform, so it is excluded (checker and LossFunction agree).</summary>
        public static ValueRange LabelSmoothing => UnitHalfOpen;
        public static ValueRange Dropout => UnitHalfOpen;

        /// <summary>
        /// Learning rates and weight decay: above 0 (decay: at least 0) and at most 1000. Larger values overflow the
        /// float32 step (Adam's first step scales the update by lr/(1-beta1)) instead of training.
        /// </summary>
        public static ValueRange LearningRate { get; } = new ValueRange(0, true, MaxRate, false);
        public static ValueRange WeightDecay { get; } = new ValueRange(0, false, MaxRate, false);

        /// <summary>The largest learning rate or weight decay the grammar accepts.</summary>
        public const double MaxRate = 1000;
    }
}
