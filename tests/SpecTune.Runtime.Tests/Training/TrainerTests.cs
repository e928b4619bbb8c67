using SpecTune.Checkpoints;
using SpecTune.Spec;
using SpecTune.Tests.Freezing;
using SpecTune.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Tests.Training;

[Collection(GlobalTorchRngCollection.Name)]
public class TrainerTests
{
    [Fact]
    public void Fine_tuning_a_pretrained_base_improves_validation_accuracy_over_the_untrained_head()
    {
        using var ws = new TestWorkspace();
        ws.WriteIdx("pre", 384, 4, seed: 5);
        ws.WriteIdx("train", 96, 2, seed: 1);
        ws.WriteIdx("valid", 96, 2, seed: 2);
        using (var pretrain = FineTuneJob.FromYamlFile(ws.WriteSpec("pretrain.spectune.yaml", Specs.Pretrain)))
            Assert.True(pretrain.Train().Evaluation!.Metrics["accuracy"] > 0.8, "pretraining did not learn");

        var phases = """
              - name: head-only
                epochs: 3
                train: [head]
              - name: unfreeze
                epochs: 1
                train: [head, body, stem]
                lr: { head: 1.0e-3, body: 1.0e-3, stem: 1.0e-4 }
            """;
        using var job = FineTuneJob.FromYamlFile(ws.WriteSpec("tiny.spectune.yaml", Specs.BinaryCnn(
            phases: phases, optimizer: "{ adam: { lr: 3.0e-2 } }", weights: "  weights: artifacts/base.safetensors",
            extra: "metrics-log: artifacts/metrics.jsonl\noutput: artifacts/final.safetensors")));
        // The old 4-way head was skipped on purpose; everything else loaded by name.
        Assert.Equal(new[] { "fc.0.bias", "fc.0.weight" }, job.WeightReport!.Skipped.Distinct().OrderBy(n => n, StringComparer.Ordinal));
        Assert.Empty(job.WeightReport.Missing);

        var untrained = job.EvaluateValidation()!;
        var report = job.Train();

        Assert.False(report.Cancelled);
        Assert.Equal(4, report.Epochs.Count);
        Assert.True(report.Evaluation!.Metrics["accuracy"] > untrained.Metrics["accuracy"] + 0.2,
            $"accuracy {untrained.Metrics["accuracy"]} -> {report.Evaluation.Metrics["accuracy"]}");
        Assert.True(report.Evaluation.Metrics["accuracy"] > 0.9, $"accuracy {report.Evaluation.Metrics["accuracy"]}");
        Assert.True(report.Evaluation.Loss < untrained.Loss);
        Assert.True(File.Exists(report.OutputPath));

        var log = MetricsLog.Read(ws.PathOf("artifacts/metrics.jsonl"));
        Assert.Equal(4, log.Count);
        Assert.Equal("head-only", log[0].GetProperty("phase").GetString());
        Assert.Equal("unfreeze", log[3].GetProperty("phase").GetString());
        Assert.True(log[3].GetProperty("lr").TryGetProperty("stem", out _));
        Assert.False(log[0].GetProperty("lr").TryGetProperty("stem", out _), "a frozen group must not be in the optimizer");
        Assert.True(log[0].TryGetProperty("val-accuracy", out _));
    }

    [Fact]
    public void A_run_stopped_after_n_steps_and_resumed_ends_with_the_same_weights_as_one_never_stopped()
    {
        var phases = """
              - name: head-only
                epochs: 2
                train: [head]
              - name: unfreeze
                epochs: 2
                train: [head, body, stem]
                lr: { head: 1.0e-3, body: 1.0e-3, stem: 1.0e-4 }
                schedule: { one-cycle: { pct-start: 0.3 } }
            """;
        var head = "[ {linear: 8}, relu, {dropout: 0.3}, {linear: 1} ]";
        var spec = Specs.BinaryCnn(phases: phases, head: head, extra: "early-stopping: { monitor: val-loss, patience: 5 }\nregularization: { l2-sp: 0.01 }");

        Dictionary<string, Tensor> uninterrupted;
        using (var ws = new TestWorkspace())
        {
            ws.WriteIdx("train", 96, 2, seed: 1);
            ws.WriteIdx("valid", 32, 2, seed: 2);
            using var job = FineTuneJob.FromYamlFile(ws.WriteSpec("tiny.spectune.yaml", spec));
            job.Train();
            uninterrupted = State(job);
        }

        using (var ws = new TestWorkspace())
        {
            ws.WriteIdx("train", 96, 2, seed: 1);
            ws.WriteIdx("valid", 32, 2, seed: 2);
            var path = ws.WriteSpec("tiny.spectune.yaml", spec);
            // Stop mid-epoch in the second phase (6 steps per epoch: step 16 is inside phase 2's first epoch).
            using (var cancel = new CancellationTokenSource())
            using (var first = FineTuneJob.FromYamlFile(path))
            {
                var stopped = first.Train(new TrainingOptions
                {
                    Cancellation = cancel.Token,
                    ProgressInterval = 1,
                    Progress = new SynchronousProgress<TrainingProgress>(p => { if (p.GlobalStep == 16) cancel.Cancel(); }),
                });
                Assert.True(stopped.Cancelled);
                Assert.True(File.Exists(stopped.CheckpointPath));
            }
            using var resumed = FineTuneJob.FromYamlFile(path);
            var report = resumed.Train(new TrainingOptions { Resume = true });
            Assert.False(report.Cancelled);
            Assert.Equal(4, report.Epochs.Count);
            var state = State(resumed);
            foreach (var (name, tensor) in uninterrupted)
                Assert.True(tensor.equal(state[name]).all().item<bool>(), $"{name} differs after resume");
        }
    }

    [Fact]
    public void Early_stopping_ends_a_phase_and_restores_the_best_weights()
    {
        using var ws = TestWorkspace.WithBinaryData(train: 64, valid: 32);
        var phases = """
              - name: head-only
                epochs: 12
                train: [head]
            """;
        // A rate this high makes validation loss bounce, so patience runs out well before 12 epochs.
        using var job = FineTuneJob.FromYamlFile(ws.WriteSpec("tiny.spectune.yaml", Specs.BinaryCnn(phases: phases,
            optimizer: "{ sgd: { lr: 5.0, momentum: 0.9 } }", extra: "early-stopping: { monitor: val-loss, patience: 2, restore-best: true }")));
        var report = job.Train();
        var phase = report.Phases.Single();
        Assert.True(phase.StoppedEarly, $"ran {phase.EpochsRun} epochs");
        var losses = report.Epochs.Select(e => e.Metrics["val-loss"]).ToList();
        int best = losses.IndexOf(losses.Min());
        Assert.Equal(best + 3, phase.EpochsRun);
        Assert.Equal(losses.Min(), report.Evaluation!.Loss, 4);
    }

    [Fact]
    public void A_resume_against_a_changed_spec_is_refused_with_a_clear_error()
    {
        using var ws = TestWorkspace.WithBinaryData(train: 32, valid: 16);
        var path = ws.WriteSpec("tiny.spectune.yaml", Specs.BinaryCnn());
        using (var cancel = new CancellationTokenSource())
        using (var job = FineTuneJob.FromYamlFile(path))
        {
            cancel.Cancel();
            job.Train(new TrainingOptions { Cancellation = cancel.Token });
        }
        ws.WriteSpec("tiny.spectune.yaml", Specs.BinaryCnn(seed: 4));
        using var changed = FineTuneJob.FromYamlFile(path);
        var error = Assert.Throws<SpecException>(() => changed.Train(new TrainingOptions { Resume = true }));
        Assert.Equal("SPT0303", error.Id);
        Assert.Equal(path, error.FilePath);
        Assert.Contains("the spec changed", Assert.IsType<CheckpointException>(error.InnerException).Message);
        Assert.EndsWith("(delete the checkpoint folder, or run without --resume)", error.Diagnostics[0].Message);
    }

    [Fact]
    public void A_nan_loss_stops_training_naming_the_step_and_keeps_the_last_good_checkpoint()
    {
        using var ws = TestWorkspace.WithBinaryData(train: 64, valid: 32);
        var phases = """
              - name: explode
                epochs: 3
                train: [head, body, stem]
            """;
        using var job = FineTuneJob.FromYamlFile(ws.WriteSpec("tiny.spectune.yaml", Specs.BinaryCnn(phases: phases, head: "[ {linear: 1} ]")));
        // The weights blow up after the first epoch (a callback plants +inf in the first convolution: BatchNorm then gives inf - inf).
        var error = Assert.Throws<SpecException>(() => job.Train(new TrainingOptions { Callbacks = [new BlowUpAfterFirstEpoch()] }));
        var diverged = Assert.IsType<TrainingDivergedException>(error.InnerException);
        Assert.Equal("explode", diverged.Phase);
        Assert.Matches(@"phase 'explode', epoch 2, step 1\b", diverged.Message);
        Assert.Equal("SPT0302", error.Id);
        Assert.False(error.Span.IsNone);
        Assert.Equal(job.Spec.Locations.Find("phases[0]"), error.Span);
    }

    private sealed class BlowUpAfterFirstEpoch : LearnerCallback
    {
        public override void AfterEpoch(Learner learner, EpochResult epoch)
        {
            if (epoch.Epoch != 0) return;
            using var _ = no_grad();
            learner.Network.parameters().First().fill_(float.PositiveInfinity);
        }
    }

    private static Dictionary<string, Tensor> State(FineTuneJob job) =>
        job.Network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
}
