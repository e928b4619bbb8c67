using SpecTune.Spec;

namespace SpecTune.Schedules;

/// <summary>
/// Learning-rate schedules as pure functions of the step within a phase, so that a run resumed from a
/// checkpoint (which stores the step) follows exactly the curve an uninterrupted run would.
/// </summary>
/// <remarks>
/// <para>
/// The factor returned multiplies every group's base rate. It is the product of a linear warmup and the
/// kind's shape. With <c>W</c> warmup steps (<c>warmup-steps</c>, or <c>ceil(warmup-ratio · totalSteps)</c>;
/// never both), step <c>s &lt; W</c> gets warmup factor <c>(s + 1) / (W + 1)</c> — never zero, so no step is
/// wasted — and every later step 1.
/// </para>
/// <para>
/// Shapes, with <c>m</c> = min-lr-factor, <c>t = max(0, s − W)</c> the step after warmup and
/// <c>D = max(1, totalSteps − W)</c> the steps after warmup:
/// <list type="bullet">
/// <item><b>constant</b>: 1.</item>
/// <item><b>step</b>: <c>gamma ^ floor(epoch / step-size)</c>, with <c>epoch = floor(s / stepsPerEpoch)</c>
/// counted from the phase's start (warmup included), like PyTorch's StepLR stepped per epoch.</item>
/// <item><b>cosine</b>: <c>m + (1 − m) · (1 + cos(π · t / D)) / 2</c>: 1 at the first step after warmup,
/// reaching <c>m</c> at <c>s = totalSteps</c>, one step past the phase, as PyTorch's CosineAnnealingLR
/// with <c>T_max = D</c> (so with <c>m = 0</c> no step trains at rate 0).</item>
/// <item><b>one-cycle</b>: PyTorch's OneCycleLR with <c>anneal_strategy='cos'</c>, <c>three_phase=False</c>,
/// <c>div_factor=25</c>, over <c>D</c> steps: it rises from 1/25 at <c>t = 0</c> to 1 at
/// <c>t = pct-start · D − 1</c>, then falls to <c>m</c> at the last step <c>t = D − 1</c>, each part along a
/// half cosine <c>end + (start − end) · (1 + cos(π · pct)) / 2</c>. Unlike PyTorch, whose floor is
/// <c>1/(25 · final_div_factor)</c> = 4e-6, the floor is <c>m</c> exactly.</item>
/// </list>
/// Steps at or past the end keep the value the curve has there.
/// </para>
/// </remarks>
internal static class LearningRateSchedule
{
    /// <summary>One-cycle starts at the peak rate divided by this, as PyTorch's default <c>div_factor</c>.</summary>
    public const double OneCycleDivFactor = 25.0;

    /// <summary>The multiplier on each group's base rate at 0-based <paramref name="step"/> of a phase of <paramref name="totalSteps"/> steps.</summary>
    /// <param name="spec">The phase's schedule.</param>
    /// <param name="step">0-based optimizer step within the phase.</param>
    /// <param name="totalSteps">Optimizer steps in the whole phase (epochs × steps per epoch), at least 1.</param>
    /// <param name="stepsPerEpoch">Optimizer steps per epoch, at least 1 (used by the step schedule).</param>
    public static double Factor(ScheduleSpec spec, long step, long totalSteps, int stepsPerEpoch)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stepsPerEpoch, 1);

        long warmup = WarmupSteps(spec, totalSteps);
        double warmupFactor = step < warmup ? (step + 1.0) / (warmup + 1.0) : 1.0;
        long afterWarmup = Math.Max(0, step - warmup);
        long decaySteps = Math.Max(1, totalSteps - warmup);

        double shape = spec.Kind switch
        {
            ScheduleKind.Constant => 1.0,
            ScheduleKind.Step => StepShape(spec, step, stepsPerEpoch),
            ScheduleKind.Cosine => CosineShape(spec, afterWarmup, decaySteps),
            ScheduleKind.OneCycle => OneCycleShape(spec, afterWarmup, decaySteps),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Kind, "Unknown schedule kind."),
        };
        return warmupFactor * shape;
    }

    /// <summary>The number of linear warmup steps of a phase of <paramref name="totalSteps"/> steps (at most all of them).</summary>
    public static long WarmupSteps(ScheduleSpec spec, long totalSteps)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.WarmupSteps is not null && spec.WarmupRatio is not null)
            throw new ArgumentException("A schedule takes warmup-steps or warmup-ratio, not both.", nameof(spec));
        if (spec.WarmupSteps is int steps)
        {
            if (steps < 0) throw new ArgumentException($"warmup-steps must be >= 0, not {steps}.", nameof(spec));
            return Math.Min(steps, totalSteps);
        }
        if (spec.WarmupRatio is double ratio)
        {
            if (!(ratio >= 0 && ratio <= 1)) throw new ArgumentException($"warmup-ratio must be in [0, 1], not {ratio}.", nameof(spec));
            return Math.Min((long)Math.Ceiling(ratio * totalSteps), totalSteps);
        }
        return 0;
    }

    private static double StepShape(ScheduleSpec spec, long step, int stepsPerEpoch)
    {
        if (spec.StepSize < 1) throw new ArgumentException($"step-size must be at least 1 epoch, not {spec.StepSize}.", nameof(spec));
        if (!(spec.Gamma > 0)) throw new ArgumentException($"gamma must be > 0, not {spec.Gamma}.", nameof(spec));
        long epoch = step / stepsPerEpoch;
        return Math.Pow(spec.Gamma, epoch / spec.StepSize);
    }

    private static double CosineShape(ScheduleSpec spec, long t, long decaySteps)
    {
        double floor = CheckFloor(spec);
        double progress = Math.Min(1.0, (double)t / decaySteps);
        return floor + (1 - floor) * (1 + Math.Cos(Math.PI * progress)) / 2;
    }

    private static double OneCycleShape(ScheduleSpec spec, long t, long decaySteps)
    {
        double floor = CheckFloor(spec);
        if (!(spec.PctStart > 0 && spec.PctStart < 1)) throw new ArgumentException($"pct-start must be in (0, 1), not {spec.PctStart}.", nameof(spec));

        // PyTorch's phase boundaries, kept fractional as it keeps them: the peak is at pct·D − 1, the end at D − 1.
        double peakStep = spec.PctStart * decaySteps - 1;
        double lastStep = decaySteps - 1;
        if (t <= peakStep)
            return Anneal(1 / OneCycleDivFactor, 1.0, Fraction(t, 0, peakStep));
        return Anneal(1.0, floor, Fraction(t, peakStep, lastStep));
    }

    /// <summary>How far <paramref name="t"/> is from <paramref name="start"/> to <paramref name="end"/>, in [0, 1]; an empty span counts as done.</summary>
    private static double Fraction(double t, double start, double end) =>
        end - start <= 0 ? 1.0 : Math.Clamp((t - start) / (end - start), 0.0, 1.0);

    /// <summary>Half-cosine from <paramref name="start"/> (pct 0) to <paramref name="end"/> (pct 1), as PyTorch's <c>_annealing_cos</c>.</summary>
    private static double Anneal(double start, double end, double pct) => end + (start - end) / 2.0 * (Math.Cos(Math.PI * pct) + 1);

    private static double CheckFloor(ScheduleSpec spec)
    {
        var floor = spec.MinLearningRateFactor;
        if (!(floor >= 0 && floor <= 1)) throw new ArgumentException($"min-lr-factor must be in [0, 1], not {floor}.", nameof(spec));
        return floor;
    }
}
