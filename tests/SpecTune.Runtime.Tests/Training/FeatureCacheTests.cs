using SpecTune.Data;
using SpecTune.Freezing;
using SpecTune.Optimization;
using SpecTune.Spec;
using SpecTune.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Tests.Training;

[Collection(GlobalTorchRngCollection.Name)]
public class FeatureCacheTests
{
    // head-only, then everything, then head-only again: the third phase's cache must be rebuilt from the changed backbone.
    private const string ThreePhases = """
          - name: head-only
            epochs: 2
            train: [head]
          - name: unfreeze
            epochs: 1
            train: [head, body, stem]
            lr: { head: 1.0e-3, body: 1.0e-3, stem: 1.0e-4 }
          - name: head-again
            epochs: 2
            train: [head]
            schedule: cosine
        """;

    // Dropout in the head: the cached path must draw from torch's generator exactly as the uncached one does.
    private const string DropoutHead = "[ {linear: 8}, relu, {dropout: 0.3}, {linear: 1}, sigmoid ]";

    [Fact]
    public void Training_from_the_cache_gives_the_same_metrics_and_weights_as_running_the_whole_network()
    {
        var (offReport, offState) = Run(Specs.BinaryCnn(phases: ThreePhases, head: DropoutHead, extra: "feature-cache: false"), new TrainingOptions());
        var (onReport, onState) = Run(Specs.BinaryCnn(phases: ThreePhases, head: DropoutHead), new TrainingOptions());
        // A limit of 100 bytes keeps three 8-wide rows in memory and spills every other row to the file.
        var (spillReport, spillState) = Run(Specs.BinaryCnn(phases: ThreePhases, head: DropoutHead), new TrainingOptions { FeatureCacheMemoryLimit = 100 });

        Assert.Equal(new[] { PrefixMode.FrozenNoGrad, PrefixMode.Trainable, PrefixMode.FrozenNoGrad }, offReport.Phases.Select(p => p.Prefix));
        Assert.Equal(new[] { PrefixMode.Cached, PrefixMode.Trainable, PrefixMode.Cached }, onReport.Phases.Select(p => p.Prefix));
        Assert.Equal(offReport.Epochs.Count, onReport.Epochs.Count);
        for (int e = 0; e < offReport.Epochs.Count; e++)
        {
            var expected = offReport.Epochs[e].Metrics;
            foreach (var (name, value) in expected)
            {
                Assert.Equal(value, onReport.Epochs[e].Metrics[name], 1e-5);
                // The spilled rows are the same floats read back from the file: bit-identical to the in-memory cache.
                Assert.Equal(onReport.Epochs[e].Metrics[name], spillReport.Epochs[e].Metrics[name]);
            }
        }
        foreach (var (name, tensor) in offState)
        {
            Assert.True(tensor.allclose(onState[name], rtol: 1e-5, atol: 1e-6), $"{name} differs with the cache");
            Assert.True(onState[name].equal(spillState[name]).all().item<bool>(), $"{name} differs when the cache spills");
        }
    }

    // Head-only, then the top of the backbone (body: blocks 2 and 3) with the stem frozen: the cache cuts after block1.
    private const string TopPhases = """
          - name: head-only
            epochs: 1
            train: [head]
          - name: top
            epochs: 3
            train: [head, body]
            lr: { head: 1.0e-3, body: 1.0e-3 }
        """;

    [Fact]
    public void Training_the_top_stages_from_cached_activations_gives_the_same_metrics_and_weights()
    {
        var (offReport, offState) = Run(Specs.BinaryCnn(phases: TopPhases, head: DropoutHead, extra: "feature-cache: false"), new TrainingOptions());
        var (onReport, onState) = Run(Specs.BinaryCnn(phases: TopPhases, head: DropoutHead), new TrainingOptions());
        // block1's output is 4x6x6 = 144 floats (576 bytes) per sample: 1,000 bytes keeps one row, the rest spill.
        var (spillReport, spillState) = Run(Specs.BinaryCnn(phases: TopPhases, head: DropoutHead), new TrainingOptions { FeatureCacheMemoryLimit = 1000 });

        Assert.Equal(new[] { PrefixMode.FrozenNoGrad, PrefixMode.Trainable }, offReport.Phases.Select(p => p.Prefix));
        Assert.Equal(new[] { PrefixMode.Cached, PrefixMode.Cached }, onReport.Phases.Select(p => p.Prefix));
        Assert.Equal(new[] { "block3", "block1" }, onReport.Phases.Select(p => p.CachedThrough));
        for (int e = 0; e < offReport.Epochs.Count; e++)
        {
            foreach (var (name, value) in offReport.Epochs[e].Metrics)
            {
                Assert.Equal(value, onReport.Epochs[e].Metrics[name], 1e-5);
                Assert.Equal(onReport.Epochs[e].Metrics[name], spillReport.Epochs[e].Metrics[name]);
            }
        }
        foreach (var (name, tensor) in offState)
        {
            Assert.True(tensor.allclose(onState[name], rtol: 1e-5, atol: 1e-6), $"{name} differs with the cache");
            Assert.True(onState[name].equal(spillState[name]).all().item<bool>(), $"{name} differs when the cache spills");
        }
        // Not vacuous: the body's weights moved in the second phase (against a run of the first phase alone), the stem's did not.
        var (_, headOnlyState) = Run(Specs.BinaryCnn(phases: TopPhases.Split("- name: top")[0].TrimEnd(' '), head: DropoutHead), new TrainingOptions());
        Assert.False(headOnlyState["conv3.weight"].equal(onState["conv3.weight"]).all().item<bool>(), "the body did not train");
        Assert.True(headOnlyState["conv1.weight"].equal(onState["conv1.weight"]).all().item<bool>(), "the stem moved");
    }

    [Fact]
    public void A_phase_that_trains_the_last_stages_caches_up_to_the_first_trained_one()
    {
        using var ws = TestWorkspace.WithBinaryData(train: 32, valid: 16);
        using var job = FineTuneJob.FromYamlFile(ws.WriteSpec("tiny.spectune.yaml", Specs.BinaryCnn(phases: "  - { name: p, epochs: 1, train: [head, body] }")));

        var plan = PlanFirstPhase(job, hasAugmentation: false);

        Assert.Equal(PrefixMode.Cached, plan.Mode);
        Assert.Equal(1, plan.CachedStages);
        Assert.Equal("block1", plan.CutAfter);
        Assert.Contains("'conv2.weight' trains", plan.Reason);
    }

    [Fact]
    public void A_resnet_phase_that_unfreezes_layer4_caches_through_layer3()
    {
        using var ws = TestWorkspace.WithBinaryData(train: 16, valid: 8);
        var spec = Specs.BinaryCnn(phases: "  - { name: top, epochs: 1, train: [head, top] }")
            .Replace("architecture: cnn", "architecture: resnet18")
            .Replace("  hidden: [4, 8, 8]\n", "")
            .Replace("""stem: ["conv1.*", "bn1.*"]""", """top: ["layer4.*"]""")
            .Replace("  body: [\"conv2.*\", \"bn2.*\", \"conv3.*\", \"bn3.*\"]\n", "");
        using var job = FineTuneJob.FromYamlFile(ws.WriteSpec("resnet.spectune.yaml", spec));

        var plan = PlanFirstPhase(job, hasAugmentation: false);

        Assert.Equal((PrefixMode.Cached, 4, "layer3"), (plan.Mode, plan.CachedStages, plan.CutAfter));
        Assert.Contains("'layer4.0.conv1.weight' trains", plan.Reason);
    }

    [Fact]
    public void A_cut_cache_key_covers_only_the_cached_stages()
    {
        using var ws = TestWorkspace.WithBinaryData(train: 32, valid: 16);
        using var job = FineTuneJob.FromYamlFile(ws.WriteSpec("tiny.spectune.yaml", Specs.BinaryCnn()));
        var digest = FeatureCache.BackboneDigest(job.Network, stages: 1);
        Assert.NotEqual(digest, FeatureCache.BackboneDigest(job.Network, stages: 2)); // another cut, other activations

        using (no_grad())
        {
            foreach (var (_, parameter) in job.Network.named_parameters().Where(p => p.name.StartsWith("conv2.", StringComparison.Ordinal)))
                parameter.add_(1.0);
        }
        Assert.Equal(digest, FeatureCache.BackboneDigest(job.Network, stages: 1)); // block2 trains after the cut

        using (no_grad())
        {
            foreach (var (_, parameter) in job.Network.named_parameters().Where(p => p.name.StartsWith("conv1.", StringComparison.Ordinal)))
                parameter.add_(1.0);
        }
        Assert.NotEqual(digest, FeatureCache.BackboneDigest(job.Network, stages: 1));
    }

    [Theory]
    [InlineData("{ name: p, epochs: 1, train: [head, stem] }", "", "backbone parameter 'conv1.weight' trains")]
    [InlineData("{ name: p, epochs: 1, train: [head], batch-norm: train-affine }", "", "backbone parameter 'bn1.weight' trains")]
    [InlineData("{ name: p, epochs: 1, train: [head], batch-norm: train-all }", "", "backbone parameter 'bn1.weight' trains")]
    [InlineData("{ name: p, epochs: 1, train: [head], feature-cache: false }", "", "feature-cache: false")]
    [InlineData("{ name: p, epochs: 1, train: [head] }", "feature-cache: false", "feature-cache: false")]
    public void The_cache_is_not_used_where_it_would_not_be_exact(string phase, string extra, string reason)
    {
        using var ws = TestWorkspace.WithBinaryData(train: 32, valid: 16);
        using var job = FineTuneJob.FromYamlFile(ws.WriteSpec("tiny.spectune.yaml", Specs.BinaryCnn(phases: "  - " + phase, extra: extra)));

        var plan = PlanFirstPhase(job, hasAugmentation: false);

        Assert.NotEqual(PrefixMode.Cached, plan.Mode);
        Assert.Contains(reason, plan.Reason);
    }

    [Fact]
    public void Augmentation_keeps_the_cache_off_and_a_training_run_says_so()
    {
        using var ws = TestWorkspace.WithBinaryData(train: 32, valid: 16);
        var spec = Specs.BinaryCnn(phases: "  - { name: p, epochs: 1, train: [head] }")
            .Replace("  prefetch: 2", "  prefetch: 2\n  transforms: { random-flip: true }");
        using var job = FineTuneJob.FromYamlFile(ws.WriteSpec("tiny.spectune.yaml", spec));

        var plan = PlanFirstPhase(job, hasAugmentation: job.HasAugmentation);
        var report = job.Train();

        Assert.Equal(PrefixMode.FrozenNoGrad, plan.Mode);
        Assert.Contains("augmentation", plan.Reason);
        Assert.Equal(PrefixMode.FrozenNoGrad, report.Phases.Single().Prefix);
    }

    [Fact]
    public void The_key_changes_when_a_backbone_weight_or_the_data_changes_but_not_when_the_head_trains()
    {
        using var ws = TestWorkspace.WithBinaryData(train: 32, valid: 16);
        using var job = FineTuneJob.FromYamlFile(ws.WriteSpec("tiny.spectune.yaml", Specs.BinaryCnn()));
        var identity = job.DataIdentity(job.TrainSource);
        var key = FeatureCache.ComputeKey(FeatureCache.BackboneDigest(job.Network), identity);

        using (no_grad())
        {
            foreach (var (name, parameter) in job.Network.named_parameters().Where(p => p.name.StartsWith("fc.", StringComparison.Ordinal)))
                parameter.add_(1.0);
        }
        Assert.Equal(key, FeatureCache.ComputeKey(FeatureCache.BackboneDigest(job.Network), identity));
        Assert.NotEqual(key, FeatureCache.ComputeKey(FeatureCache.BackboneDigest(job.Network), job.DataIdentity(job.ValidSource!)));

        var buffer = job.Network.named_buffers().First(b => b.name == "bn2.running_mean").buffer;
        using (no_grad()) buffer[0] = buffer[0] + 1e-3f;
        Assert.NotEqual(key, FeatureCache.ComputeKey(FeatureCache.BackboneDigest(job.Network), identity));
    }

    [Fact]
    public void A_frozen_backbone_records_no_autograd_history_and_a_step_leaves_no_tensor_behind()
    {
        using var ws = TestWorkspace.WithBinaryData(train: 32, valid: 16);
        using var job = FineTuneJob.FromYamlFile(ws.WriteSpec("tiny.spectune.yaml", Specs.BinaryCnn(
            phases: "  - { name: p, epochs: 1, train: [head] }", extra: "feature-cache: false")));
        var phase = PhasePlanner.Plan(job.Spec)[0];
        var freeze = new FreezeController(job.Network, job.Groups);
        freeze.Enter(phase);
        freeze.SetTrainingMode(phase);
        using var optimizer = FineTuneOptimizer.Create(job.Spec.Optimizer, freeze.OptimizerGroups(phase));
        var step = new TrainingStep(job.Network, job.Loss, null, null, job.Device);
        var loader = job.CreateOrderedLoader(job.TrainSource);

        // What reaches the head: with requires_grad false it has no grad_fn, so no backbone activation is saved for backward.
        var headInputs = new List<bool>();
        var hook = job.Network.Head.register_forward_pre_hook((_, input) => { headInputs.Add(input.requires_grad); return input; });
        try
        {
            using var batch = loader.Epoch(0).First();
            using var scope = NewDisposeScope();
            Assert.True(step.Forward(batch.Features, NoGrad).requires_grad, "the head must still train");
            // The same backbone with one group trainable does record history: the check can tell the two apart.
            job.Groups.All.First(g => g.Name == "body").Unfreeze();
            step.Forward(batch.Features, new FrozenPrefixPlan(PrefixMode.Trainable, null));
            job.Groups.All.First(g => g.Name == "body").Freeze();
        }
        finally
        {
            hook.remove();
        }
        Assert.Equal(new[] { false, true }, headInputs);

        // Whole steps: after a first one has created the optimizer's gradients, each further step leaves the number of
        // live tensors on this thread unchanged — nothing of a step (activations included) outlives it.
        var batches = loader.Epoch(0).ToList();
        try
        {
            step.Run(batches[0], optimizer, NoGrad);
            long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            foreach (var batch in batches.Skip(1)) step.Run(batch, optimizer, NoGrad);
            Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }
        finally
        {
            foreach (var batch in batches) batch.Dispose();
        }
    }

    private static readonly FrozenPrefixPlan NoGrad = new(PrefixMode.FrozenNoGrad, null);

    private static FrozenPrefixPlan PlanFirstPhase(FineTuneJob job, bool hasAugmentation)
    {
        var phase = PhasePlanner.Plan(job.Spec)[0];
        new FreezeController(job.Network, job.Groups).Enter(phase);
        return FrozenPrefixPlanner.Plan(job.Spec, phase, job.Network, hasAugmentation);
    }

    private static (TrainingReport Report, Dictionary<string, Tensor> State) Run(string spec, TrainingOptions options)
    {
        using var ws = TestWorkspace.WithBinaryData(train: 72, valid: 40);
        using var job = FineTuneJob.FromYamlFile(ws.WriteSpec("tiny.spectune.yaml", spec));
        var report = job.Train(options with { FeatureCacheDirectory = ws.PathOf("spill") });
        if (options.FeatureCacheMemoryLimit < 1000)
            Assert.Empty(Directory.GetFiles(ws.PathOf("spill")));  // the spill file is deleted when training ends
        return (report, job.Network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone()));
    }
}
