using SpecTune.Tests.Freezing;
using SpecTune.Training;
using SpecTune.Weights;
using static TorchSharp.torch;

namespace SpecTune.Tests.Training;

/// <summary>The session's callbacks in order: a kill at any hook leaves a checkpoint and a log a resume continues exactly.</summary>
[Collection(GlobalTorchRngCollection.Name)]
public class LearnerCallbackTests
{
    private const string StoppingPhases = """
          - name: head-only
            epochs: 12
            train: [head]
          - name: unfreeze
            epochs: 2
            train: [head, body, stem]
        """;

    // A rate this high makes validation loss bounce, so patience runs out well before 12 epochs.
    private static readonly string StoppingSpec = Specs.BinaryCnn(phases: StoppingPhases, optimizer: "{ sgd: { lr: 5.0, momentum: 0.9 } }",
        extra: "early-stopping: { monitor: val-loss, patience: 2, restore-best: true }\nmetrics-log: artifacts/metrics.jsonl");

    [Fact]
    public void A_run_killed_after_the_checkpoint_of_the_epoch_that_stopped_early_resumes_bit_identically()
    {
        Dictionary<string, Tensor> uninterrupted;
        TrainingReport full;
        using (var ws = TestWorkspace.WithBinaryData(train: 64, valid: 32))
        {
            using var job = FineTuneJob.FromYamlFile(ws.WriteSpec("tiny.spectune.yaml", StoppingSpec));
            full = job.Train();
            Assert.True(full.Phases[0].StoppedEarly, "the test needs a phase that stops early");
            uninterrupted = WeightLoader.StateOf(job.Network);
        }

        using (var ws = TestWorkspace.WithBinaryData(train: 64, valid: 32))
        {
            var path = ws.WriteSpec("tiny.spectune.yaml", StoppingSpec);
            using (var first = FineTuneJob.FromYamlFile(path))
                Assert.Throws<Killed>(() => first.Train(new TrainingOptions { Callbacks = [new KillWhenStopping()] }));
            using var resumed = FineTuneJob.FromYamlFile(path);
            var report = resumed.Train(new TrainingOptions { Resume = true });

            Assert.Equal(full.Epochs.Count, report.Epochs.Count);
            Assert.Equal(full.Phases.Select(p => (p.EpochsRun, p.StoppedEarly, p.BestEpoch)), report.Phases.Select(p => (p.EpochsRun, p.StoppedEarly, p.BestEpoch)));
            var state = WeightLoader.StateOf(resumed.Network);
            foreach (var (name, tensor) in uninterrupted)
                Assert.True(tensor.equal(state[name]).all().item<bool>(), $"{name} differs after resume");
            // The killed epoch's line was never written; the resumed log has every epoch once, in order.
            var log = MetricsLog.Read(ws.PathOf("artifacts/metrics.jsonl"));
            Assert.Equal(report.Epochs.Select(e => (e.PhaseIndex, e.Epoch)), log.Select(l => (l.GetProperty("phase_index").GetInt32(), l.GetProperty("epoch").GetInt32())));
        }
    }

    [Fact]
    public void The_metrics_log_has_no_byte_order_mark_and_a_fresh_run_keeps_the_old_log_until_its_first_epoch()
    {
        using var ws = TestWorkspace.WithBinaryData(train: 32, valid: 16);
        var path = ws.WriteSpec("tiny.spectune.yaml", Specs.BinaryCnn(extra: "metrics-log: artifacts/metrics.jsonl"));
        var logPath = ws.PathOf("artifacts/metrics.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        File.WriteAllText(logPath, "{\"old\":1}\n");

        using (var cancel = new CancellationTokenSource())
        using (var job = FineTuneJob.FromYamlFile(path))
        {
            cancel.Cancel();
            Assert.True(job.Train(new TrainingOptions { Cancellation = cancel.Token }).Cancelled);
        }
        Assert.Equal("{\"old\":1}\n", File.ReadAllText(logPath));

        using (var job = FineTuneJob.FromYamlFile(path))
        {
            var report = job.Train();
            var bytes = File.ReadAllBytes(logPath);
            Assert.Equal((byte)'{', bytes[0]);
            Assert.Equal(report.Epochs.Count, MetricsLog.Read(logPath).Count);
            Assert.All(MetricsLog.Read(logPath), l => Assert.True(l.TryGetProperty("phase", out _)));
        }
    }

    [Fact]
    public void Callbacks_run_in_their_order_within_each_hook()
    {
        using var ws = TestWorkspace.WithBinaryData(train: 32, valid: 16);
        using var job = FineTuneJob.FromYamlFile(ws.WriteSpec("tiny.spectune.yaml", Specs.BinaryCnn()));
        var calls = new List<string>();
        var learner = job.CreateLearner([new Recorder("late", 50, calls), new Recorder("early", -50, calls)]);
        Assert.Equal(new[] { "early", "late" }, learner.Callbacks.Select(c => ((Recorder)c).Name));
        var fit = learner.Fit(PhasePlanner.Plan(job.Spec));
        Assert.False(fit.Cancelled);
        Assert.Equal(new[] { "early:fit", "late:fit" }, calls.Take(2));
        Assert.Equal(fit.Epochs.Count * 2, calls.Count(c => c.EndsWith(":epoch", StringComparison.Ordinal)));
        Assert.Equal(new[] { "early:end", "late:end" }, calls.TakeLast(2));
    }

    private sealed class Killed : Exception;

    /// <summary>Dies after the checkpoint callback (20) and before the metrics log (30) of the epoch that stops a phase.</summary>
    private sealed class KillWhenStopping : LearnerCallback
    {
        public override int Order => 25;

        public override void AfterEpoch(Learner learner, EpochResult epoch)
        {
            if (learner.Run.StopPhase) throw new Killed();
        }
    }

    private sealed class Recorder(string name, int order, List<string> calls) : LearnerCallback
    {
        public string Name => name;

        public override int Order => order;

        public override void BeforeFit(Learner learner) => calls.Add(name + ":fit");

        public override void AfterEpoch(Learner learner, EpochResult epoch) => calls.Add(name + ":epoch");

        public override void AfterFit(Learner learner) => calls.Add(name + ":end");
    }
}
