using SpecTune.Freezing;
using SpecTune.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Tests.Freezing;

[Collection(GlobalTorchRngCollection.Name)]
public class FreezeTests
{
    [Fact]
    public void Frozen_groups_stay_bit_identical_and_their_batchnorm_statistics_do_not_move()
    {
        using var ws = TestWorkspace.WithBinaryData(train: 64, valid: 32);
        var phases = """
              - name: head-only
                epochs: 1
                train: [head]
              - name: body-too
                epochs: 1
                train: [head, body]
            """;
        using var job = FineTuneJob.FromYamlFile(ws.WriteSpec("tiny.spectune.yaml", Specs.BinaryCnn(phases: phases)));

        // Run only the first phase: cancel when its epoch ends, so the second phase stops before its first step.
        using var cancel = new CancellationTokenSource();
        var before = Snapshot(job);
        var report = job.Train(new TrainingOptions
        {
            Cancellation = cancel.Token,
            Progress = new SynchronousProgress<TrainingProgress>(p => { if (p.EpochCompleted is not null) cancel.Cancel(); }),
            ProgressInterval = 1,
        });
        var after = Snapshot(job);

        Assert.True(report.Cancelled);
        Assert.Equal("head-only", report.Epochs.Single().Phase);
        foreach (var (name, tensor) in before)
        {
            bool isHead = name.StartsWith("fc.", StringComparison.Ordinal);
            bool same = tensor.equal(after[name]).all().item<bool>();
            if (isHead && name.EndsWith("weight")) Assert.False(same, $"head parameter {name} did not train");
            // Phase 2 was cancelled before its first step, so only the head moved: every stem/body tensor,
            // running_mean and running_var included, is bit-identical.
            if (!isHead) Assert.True(same, $"frozen tensor {name} changed");
        }
    }

    [Fact]
    public void Entering_a_phase_hands_only_trainable_parameters_to_the_optimizer_with_their_group_rates()
    {
        using var ws = TestWorkspace.WithBinaryData(train: 32, valid: 16);
        using var job = FineTuneJob.FromYamlFile(ws.WriteSpec("tiny.spectune.yaml", Specs.BinaryCnn()));
        var plans = PhasePlanner.Plan(job.Spec);
        var freeze = new FreezeController(job.Network, job.Groups);

        freeze.Enter(plans[0]);
        var headOnly = freeze.OptimizerGroups(plans[0]);
        Assert.Equal(new[] { "head" }, headOnly.Select(g => g.Name));
        Assert.Equal(3.0e-3, headOnly[0].LearningRate, 12);
        Assert.All(job.Groups["stem"].Parameters, p => Assert.False(p.Value.requires_grad));

        freeze.Enter(plans[1]);
        var all = freeze.OptimizerGroups(plans[1]).ToDictionary(g => g.Name, g => g.LearningRate);
        Assert.Equal(1.0e-4, all["stem"], 12);
        Assert.Equal(1.0e-3, all["body"], 12);
        Assert.Equal(1.0e-3, all["head"], 12);
        Assert.All(job.Groups["stem"].Parameters, p => Assert.True(p.Value.requires_grad));
    }

    [Fact]
    public void A_group_frozen_by_the_next_phase_releases_the_gradients_it_kept()
    {
        using var ws = TestWorkspace.WithBinaryData(train: 32, valid: 16);
        using var job = FineTuneJob.FromYamlFile(ws.WriteSpec("tiny.spectune.yaml", Specs.BinaryCnn()));
        var plans = PhasePlanner.Plan(job.Spec);
        var freeze = new FreezeController(job.Network, job.Groups);
        // Everything trains (phase 2), as an earlier phase would have left it: every parameter holds a gradient.
        freeze.Enter(plans[1]);
        using (var scope = NewDisposeScope())
            job.Network.call(torch.randn(4, 1, 12, 12)).sum().backward();
        Assert.All(job.Groups["stem"].Parameters, p => { using var g = p.Value.grad; Assert.NotNull(g); });

        freeze.Enter(plans[0]); // head-only

        Assert.All(job.Groups["stem"].Parameters, p => Assert.Null(p.Value.grad));
        Assert.All(job.Groups["head"].Parameters, p => { using var g = p.Value.grad; Assert.NotNull(g); });
    }

    [Theory]
    [InlineData("freeze-all", false, false)]
    [InlineData("train-affine", true, false)]
    [InlineData("train-all", true, true)]
    public void Batchnorm_policy_of_frozen_groups_is_applied_in_one_place(string policy, bool affineTrains, bool statisticsMove)
    {
        using var ws = TestWorkspace.WithBinaryData(train: 32, valid: 16);
        var phases = """
              - name: head-only
                epochs: 1
                train: [head]
            """;
        using var job = FineTuneJob.FromYamlFile(ws.WriteSpec("tiny.spectune.yaml", Specs.BinaryCnn(phases: phases, extra: $"batch-norm: {policy}")));
        var before = Snapshot(job);
        job.Train();
        var after = Snapshot(job);

        Assert.Equal(affineTrains, !before["bn2.weight"].equal(after["bn2.weight"]).all().item<bool>());
        Assert.Equal(statisticsMove, !before["bn2.running_mean"].equal(after["bn2.running_mean"]).all().item<bool>());
        Assert.True(before["conv2.weight"].equal(after["conv2.weight"]).all().item<bool>(), "frozen conv weights changed");
    }

    private static Dictionary<string, Tensor> Snapshot(FineTuneJob job) =>
        job.Network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
}

/// <summary>Calls back on the reporting thread (Progress&lt;T&gt; posts to the thread pool).</summary>
public sealed class SynchronousProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
