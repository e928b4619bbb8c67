using SpecTune.Schedules;
using SpecTune.Spec;

namespace SpecTune.Tests.Schedules;

public class LearningRateScheduleTests
{
    private const int Precision = 12;

    private static ScheduleSpec Schedule(ScheduleKind kind, double minFactor = 0, int? warmupSteps = null, double? warmupRatio = null,
        int stepSize = 1, double gamma = 0.1, double pctStart = 0.3) =>
        new(kind, stepSize, gamma, minFactor, warmupSteps, warmupRatio, pctStart);

    private static double[] Curve(ScheduleSpec spec, long total, int perEpoch = 1) =>
        Enumerable.Range(0, (int)total).Select(s => LearningRateSchedule.Factor(spec, s, total, perEpoch)).ToArray();

    [Fact]
    public void Constant_is_one_everywhere()
    {
        Assert.All(Curve(ScheduleSpec.Constant, 50), f => Assert.Equal(1.0, f));
    }

    [Fact]
    public void Warmup_in_steps_ramps_linearly_from_near_zero_to_one()
    {
        var curve = Curve(Schedule(ScheduleKind.Constant, warmupSteps: 4), 10);
        Assert.Equal(new[] { 0.2, 0.4, 0.6, 0.8, 1, 1, 1, 1, 1, 1 }, curve.Select(f => Math.Round(f, Precision)));
    }

    [Fact]
    public void Warmup_ratio_rounds_the_step_count_up()
    {
        var spec = Schedule(ScheduleKind.Constant, warmupRatio: 0.25);
        Assert.Equal(3, LearningRateSchedule.WarmupSteps(spec, 10)); // ceil(2.5)
        Assert.Equal(new[] { 0.25, 0.5, 0.75, 1.0 }, Curve(spec, 10).Take(4).Select(f => Math.Round(f, Precision)));
    }

    [Fact]
    public void Step_decays_by_gamma_every_step_size_epochs()
    {
        var curve = Curve(Schedule(ScheduleKind.Step, stepSize: 2, gamma: 0.1), total: 30, perEpoch: 5);
        Assert.All(curve[..10], f => Assert.Equal(1.0, f, Precision));   // epochs 0-1
        Assert.All(curve[10..20], f => Assert.Equal(0.1, f, Precision)); // epochs 2-3
        Assert.All(curve[20..], f => Assert.Equal(0.01, f, Precision));  // epochs 4-5
    }

    [Fact]
    public void Cosine_falls_from_one_to_the_floor_through_the_midpoint()
    {
        var spec = Schedule(ScheduleKind.Cosine, minFactor: 0.1);
        Assert.Equal(1.0, LearningRateSchedule.Factor(spec, 0, 100, 10), Precision);
        Assert.Equal(0.55, LearningRateSchedule.Factor(spec, 50, 100, 10), Precision);
        // A quarter of the way: 0.1 + 0.9·(1 + cos(π/4))/2.
        Assert.Equal(0.1 + 0.9 * (1 + Math.Sqrt(0.5)) / 2, LearningRateSchedule.Factor(spec, 25, 100, 10), Precision);
        Assert.Equal(0.1, LearningRateSchedule.Factor(spec, 100, 100, 10), Precision);
        Assert.True(LearningRateSchedule.Factor(spec, 99, 100, 10) > 0.1, "the last step still trains above the floor");
        AssertNonIncreasing(Curve(spec, 100));
    }

    [Fact]
    public void Cosine_starts_after_warmup()
    {
        var spec = Schedule(ScheduleKind.Cosine, minFactor: 0.1, warmupSteps: 10);
        var curve = Curve(spec, 100);
        Assert.Equal(1 / 11.0, curve[0], Precision);
        Assert.Equal(10 / 11.0, curve[9], Precision);
        Assert.Equal(1.0, curve[10], Precision);
        Assert.Equal(0.55, curve[55], Precision); // halfway through the 90 steps after warmup
        AssertNonIncreasing(curve[10..]);
        Assert.True(curve[..11].Zip(curve[1..11]).All(pair => pair.First < pair.Second), "warmup must rise");
    }

    [Fact]
    public void One_cycle_rises_from_a_25th_to_the_peak_then_falls_to_the_floor()
    {
        // 10 steps, pct-start 0.5: the peak is at step 0.5·10 − 1 = 4, the last step is 9 (PyTorch's OneCycleLR).
        var spec = Schedule(ScheduleKind.OneCycle, minFactor: 0.1, pctStart: 0.5);
        var curve = Curve(spec, 10);
        Assert.Equal(0.04, curve[0], Precision);
        Assert.Equal(0.52, curve[2], Precision);               // halfway up: (0.04 + 1) / 2
        Assert.Equal(1.0, curve[4], Precision);
        Assert.Equal(0.1 + 0.45 * (1 + Math.Cos(Math.PI / 5)), curve[5], Precision); // one fifth down
        Assert.Equal(0.1, curve[9], Precision);
        Assert.Equal(0.1, LearningRateSchedule.Factor(spec, 10, 10, 1), Precision);
        AssertNonDecreasing(curve[..5]);
        AssertNonIncreasing(curve[4..]);
    }

    [Fact]
    public void One_cycle_with_PyTorchs_defaults_peaks_where_OneCycleLR_does()
    {
        // OneCycleLR(total_steps=100, pct_start=0.3): lr 0.04·max at step 0, max at step 29, the floor at step 99.
        var spec = Schedule(ScheduleKind.OneCycle, minFactor: 0.0, pctStart: 0.3);
        var curve = Curve(spec, 100);
        Assert.Equal(0.04, curve[0], Precision);
        Assert.Equal(1.0, curve[29], 9);
        Assert.Equal(curve.Max(), curve[29]);
        Assert.Equal(0.0, curve[99], Precision);
    }

    [Fact]
    public void Warmup_multiplies_into_the_step_schedule()
    {
        var spec = Schedule(ScheduleKind.Step, warmupSteps: 3, stepSize: 1, gamma: 0.5);
        // Epoch 0 is all warmup (2 steps per epoch, 3 warmup steps): 1/4, 2/4; epoch 1: 3/4 · 0.5, then 0.5.
        Assert.Equal(new[] { 0.25, 0.5, 0.375, 0.5, 0.25 }, Curve(spec, 5, perEpoch: 2).Select(f => Math.Round(f, Precision)));
    }

    [Fact]
    public void Same_inputs_give_the_same_factor_so_a_resumed_run_follows_the_same_curve()
    {
        var spec = Schedule(ScheduleKind.OneCycle, minFactor: 0.01, warmupRatio: 0.1);
        var whole = Curve(spec, 40);
        var resumedFrom17 = Enumerable.Range(17, 23).Select(s => LearningRateSchedule.Factor(spec, s, 40, 1));
        Assert.Equal(whole[17..], resumedFrom17);
    }

    [Fact]
    public void Rejects_invalid_arguments()
    {
        Assert.Throws<ArgumentException>(() => LearningRateSchedule.Factor(Schedule(ScheduleKind.Cosine, warmupSteps: 2, warmupRatio: 0.1), 0, 10, 1));
        Assert.Throws<ArgumentException>(() => LearningRateSchedule.Factor(Schedule(ScheduleKind.Cosine, minFactor: 1.5), 0, 10, 1));
        Assert.Throws<ArgumentException>(() => LearningRateSchedule.Factor(Schedule(ScheduleKind.OneCycle, pctStart: 1.0), 0, 10, 1));
        Assert.Throws<ArgumentException>(() => LearningRateSchedule.Factor(Schedule(ScheduleKind.Step, stepSize: 0), 0, 10, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Factor(ScheduleSpec.Constant, -1, 10, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Factor(ScheduleSpec.Constant, 0, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Factor(ScheduleSpec.Constant, 0, 10, 0));
    }

    private static void AssertNonIncreasing(double[] values)
    {
        for (int i = 1; i < values.Length; i++)
            Assert.True(values[i] <= values[i - 1], $"rises at {i}: {values[i - 1]} -> {values[i]}");
    }

    private static void AssertNonDecreasing(double[] values)
    {
        for (int i = 1; i < values.Length; i++)
            Assert.True(values[i] >= values[i - 1], $"falls at {i}: {values[i - 1]} -> {values[i]}");
    }
}
