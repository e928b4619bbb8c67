using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using SpecTune.Training;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace SpecTune.Cli;

/// <summary>Shows training progress: one line per epoch (logs, redirected output, MSBuild) or live progress bars (terminal).</summary>
internal abstract class TrainingDisplay : IProgress<TrainingProgress>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long? _firstStep;

    protected TrainingDisplay(IReadOnlyList<PhasePlan> phases) => Phases = phases;

    protected IReadOnlyList<PhasePlan> Phases { get; }

    public abstract void Report(TrainingProgress value);

    /// <summary>Runs <paramref name="train"/> while the display is live.</summary>
    public virtual T Run<T>(Func<T> train) => train();

    /// <summary>Time left if every remaining phase runs all its epochs at the pace seen so far (early stopping only shortens it).</summary>
    protected TimeSpan? Eta(TrainingProgress progress)
    {
        _firstStep ??= progress.GlobalStep - progress.StepInEpoch;
        long done = progress.GlobalStep - _firstStep.Value;
        if (done <= 0 || progress.StepsPerEpoch <= 0) return null;
        long stepsLeft = (long)(progress.Epochs - progress.Epoch - 1) * progress.StepsPerEpoch + (progress.StepsPerEpoch - progress.StepInEpoch)
            + Phases.Skip(progress.PhaseIndex + 1).Sum(p => (long)p.Epochs * progress.StepsPerEpoch);
        return TimeSpan.FromSeconds(_clock.Elapsed.TotalSeconds / done * stepsLeft);
    }

    public static string FormatMetrics(IReadOnlyDictionary<string, double> metrics) =>
        string.Join("  ", metrics.Select(m => $"{m.Key} {Format(m.Value)}"));

    public static string Format(double value) =>
        double.IsFinite(value) ? value.ToString("0.0000", CultureInfo.InvariantCulture) : "n/a";

    public static string Format(TimeSpan? time) =>
        time is not { } t ? "--:--" : t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"mm\:ss", CultureInfo.InvariantCulture);
}

/// <summary>One line per epoch and one per phase start: readable in a log and never floods a build.</summary>
internal sealed class PlainTrainingDisplay(IReadOnlyList<PhasePlan> phases, TextWriter output) : TrainingDisplay(phases)
{
    private int _phaseShown = -1;

    public override void Report(TrainingProgress value)
    {
        if (value.PhaseIndex != _phaseShown)
        {
            _phaseShown = value.PhaseIndex;
            var plan = Phases[value.PhaseIndex];
            output.WriteLine($"phase {value.PhaseIndex + 1}/{Phases.Count} {value.Phase}: up to {plan.Epochs} epochs of {value.StepsPerEpoch} steps, training {string.Join(", ", plan.TrainedGroups)}");
        }
        if (value.EpochCompleted is not { } epoch) return;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{value.Phase} epoch {value.Epoch + 1}/{value.Epochs}  {FormatMetrics(epoch.Metrics)}  {epoch.Seconds:0.0}s  ETA {Format(Eta(value))}"));
        output.Flush();
    }
}

/// <summary>
/// Spectre.Console progress bars, one per phase, with ETA, the latest loss and metrics. The description stays short
/// and the metrics column wraps between metrics, so any number of metrics fits an 80-column terminal.
/// </summary>
internal sealed class LiveTrainingDisplay(IReadOnlyList<PhasePlan> phases, IAnsiConsole console) : TrainingDisplay(phases)
{
    private readonly Dictionary<int, ProgressTask> _tasks = new();
    private ProgressContext? _context;
    private readonly ConcurrentDictionary<int, string[]> _metricsByTask = new();
    private string[] _lastMetrics = [];

    public override T Run<T>(Func<T> train) =>
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left },
                new ProgressBarColumn { Width = Math.Clamp(console.Profile.Width / 8, 8, 40) }, new PercentageColumn(),
                new RemainingTimeColumn(), new SpinnerColumn(), new MetricsColumn(_metricsByTask))
            .Start(context =>
            {
                _context = context;
                foreach (var phase in Phases)
                    _tasks[phase.Index] = context.AddTask(Markup.Escape(phase.Name), autoStart: false, maxValue: 1);
                var result = train();
                foreach (var task in _tasks.Values) task.StopTask();
                return result;
            });

    public override void Report(TrainingProgress value)
    {
        if (_context is null || !_tasks.TryGetValue(value.PhaseIndex, out var task)) return;
        // Finished phases (possibly stopped early) show as complete.
        foreach (var (index, earlier) in _tasks)
            if (index < value.PhaseIndex && !earlier.IsFinished) { earlier.Value = earlier.MaxValue; earlier.StopTask(); }
        if (!task.IsStarted) task.StartTask();
        task.MaxValue = Math.Max(1, (double)value.Epochs * value.StepsPerEpoch);
        task.Value = (double)value.Epoch * value.StepsPerEpoch + value.StepInEpoch;
        if (value.EpochCompleted is { } epoch)
            _lastMetrics = epoch.Metrics.Where(m => m.Key != "train-loss").Select(m => $"{m.Key} {Format(m.Value)}").ToArray();
        _metricsByTask[task.Id] = [$"epoch {value.Epoch + 1}/{value.Epochs}", $"loss {Format(value.Loss)}", .. _lastMetrics];
    }

    /// <summary>The epoch, loss and metrics of a task, as many per line as fit; a line breaks between metrics, never inside one.</summary>
    private sealed class MetricsColumn(ConcurrentDictionary<int, string[]> metricsByTask) : ProgressColumn
    {
        protected override bool NoWrap => false;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new MetricLines(metricsByTask.GetValueOrDefault(task.Id, []));
    }

    private sealed class MetricLines(string[] metrics) : IRenderable
    {
        private const int Gap = 2;

        public Measurement Measure(RenderOptions options, int maxWidth) =>
            new(metrics.Select(m => m.Length).DefaultIfEmpty(0).Max(), metrics.Sum(m => m.Length) + Gap * Math.Max(0, metrics.Length - 1));

        public IEnumerable<Segment> Render(RenderOptions options, int maxWidth)
        {
            int used = 0;
            foreach (var metric in metrics)
            {
                if (used > 0 && used + Gap + metric.Length > maxWidth) { yield return Segment.LineBreak; used = 0; }
                if (used > 0) { yield return new Segment(new string(' ', Gap)); used += Gap; }
                yield return new Segment(metric);
                used += metric.Length;
            }
        }
    }
}
