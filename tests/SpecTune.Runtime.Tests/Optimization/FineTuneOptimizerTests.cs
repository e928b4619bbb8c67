using SpecTune.Optimization;
using SpecTune.Spec;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpecTune.Tests.Optimization;

public class FineTuneOptimizerTests
{
    private const double BodyLr = 0.01, HeadLr = 0.05;

    private static OptimizerSpec Spec(OptimizerKind kind, double weightDecay = 0, double momentum = 0, bool nesterov = false) =>
        new(kind, LearningRate: 1e-3, weightDecay, momentum, nesterov, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8, GradientClip: null);

    public static TheoryData<OptimizerKind, double, double, bool> PeerCases => new()
    {
        { OptimizerKind.Adam, 0.0, 0.0, false },
        { OptimizerKind.Adam, 0.05, 0.0, false },
        { OptimizerKind.AdamW, 0.1, 0.0, false },
        { OptimizerKind.Sgd, 0.0, 0.0, false },
        { OptimizerKind.Sgd, 0.01, 0.9, false },
        { OptimizerKind.Sgd, 0.01, 0.9, true },
    };

    /// <summary>TorchSharp's own optimizers, configured the same way, with the same per-group rates.</summary>
    private static optim.Optimizer Peer(OptimizerKind kind, OptimizerTestModel m, double weightDecay, double momentum, bool nesterov) => kind switch
    {
        OptimizerKind.Adam => optim.Adam(new[]
        {
            new Adam.ParamGroup([m.BodyWeight, m.BodyBias], lr: BodyLr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: weightDecay),
            new Adam.ParamGroup([m.HeadWeight], lr: HeadLr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: weightDecay),
        }),
        OptimizerKind.AdamW => optim.AdamW(new[]
        {
            new AdamW.ParamGroup([m.BodyWeight, m.BodyBias], lr: BodyLr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: weightDecay),
            new AdamW.ParamGroup([m.HeadWeight], lr: HeadLr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: weightDecay),
        }),
        OptimizerKind.Sgd => optim.SGD(new[]
        {
            new SGD.ParamGroup([m.BodyWeight, m.BodyBias], lr: BodyLr, momentum: momentum, weight_decay: weightDecay, nesterov: nesterov),
            new SGD.ParamGroup([m.HeadWeight], lr: HeadLr, momentum: momentum, weight_decay: weightDecay, nesterov: nesterov),
        }, BodyLr),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(PeerCases))]
    public void Matches_TorchSharps_own_optimizer_over_several_steps(OptimizerKind kind, double weightDecay, double momentum, bool nesterov)
    {
        using var ours = new OptimizerTestModel();
        using var theirs = new OptimizerTestModel();
        using var optimizer = FineTuneOptimizer.Create(Spec(kind, weightDecay, momentum, nesterov), ours.Groups(BodyLr, HeadLr));
        using var peer = Peer(kind, theirs, weightDecay, momentum, nesterov);
        using var initial = ours.BodyWeight.detach().clone();

        for (int step = 0; step < 6; step++)
        {
            optimizer.ZeroGrad();
            ours.Backward();
            optimizer.Step();

            peer.zero_grad();
            theirs.Backward();
            peer.step();
        }

        foreach (var (mine, reference) in ours.All.Zip(theirs.All))
            AssertClose(reference, mine, 1e-6);
        // Guards against a vacuous pass where neither side moved.
        Assert.True((ours.BodyWeight - initial).abs().max().item<float>() > 1e-3);
    }

    [Fact]
    public void Zeroing_keeps_trainable_gradients_in_their_buffers_and_releases_frozen_ones()
    {
        using var model = new OptimizerTestModel();
        using var optimizer = FineTuneOptimizer.Create(Spec(OptimizerKind.Adam), model.Groups(BodyLr, HeadLr));
        model.Backward();
        using var headGrad = model.HeadWeight.grad!;
        using var firstGrad = headGrad.clone();
        model.BodyBias.requires_grad = false;

        optimizer.ZeroGrad();

        // The same storage, now zero: backward will accumulate into it instead of allocating a new one.
        using (var kept = model.HeadWeight.grad!)
        {
            Assert.True(SameMemory(headGrad, kept));
            Assert.Equal(0f, kept.abs().max().item<float>());
        }
        Assert.Null(model.BodyBias.grad);

        // The next gradient is exactly what a freshly allocated one would be: 0 + g.
        model.Backward();
        using var second = model.HeadWeight.grad!;
        Assert.True(second.equal(firstGrad).all().item<bool>());
    }

    /// <summary>Whether two tensors view the same memory (Tensor.bytes is a span over the tensor's own storage).</summary>
    private static bool SameMemory(Tensor a, Tensor b) =>
        System.Runtime.CompilerServices.Unsafe.AreSame(
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(a.bytes),
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(b.bytes));

    [Fact]
    public void Each_group_uses_its_own_learning_rate()
    {
        using var m = new OptimizerTestModel();
        using var optimizer = FineTuneOptimizer.Create(Spec(OptimizerKind.Sgd), m.Groups(bodyLr: 0.0, headLr: 0.1));
        using var body = m.BodyWeight.detach().clone();
        using var head = m.HeadWeight.detach().clone();

        m.Backward();
        using var headGrad = m.HeadWeight.grad!.clone();
        optimizer.Step();

        Assert.True(Same(m.BodyWeight, body), "a group with rate 0 must not move");
        AssertClose(head - 0.1 * headGrad, m.HeadWeight, 1e-7);

        optimizer.SetLearningRate(0, 0.2);
        Assert.Equal(0.2, optimizer.GetLearningRate(0));
        Assert.Equal(0.1, optimizer.GetLearningRate(1));
        using var bodyGrad = m.BodyWeight.grad!.clone();
        optimizer.Step();
        AssertClose(body - 0.2 * bodyGrad, m.BodyWeight, 1e-7);
    }

    [Theory]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.AdamW)]
    [InlineData(OptimizerKind.Sgd)]
    public void Saved_state_loaded_into_a_new_optimizer_continues_bit_exactly(OptimizerKind kind)
    {
        var spec = Spec(kind, weightDecay: 0.01, momentum: 0.9, nesterov: true);
        using var uninterrupted = new OptimizerTestModel();
        using var first = FineTuneOptimizer.Create(spec, uninterrupted.Groups(BodyLr, HeadLr));
        for (int i = 0; i < 3; i++) { first.ZeroGrad(); uninterrupted.Backward(); first.Step(); }

        var saved = first.SaveState();
        try
        {
            using var resumed = new OptimizerTestModel(seed: 99);
            resumed.CopyValuesFrom(uninterrupted);
            using var second = FineTuneOptimizer.Create(spec, resumed.Groups(BodyLr, HeadLr));
            second.LoadState(saved);

            for (int i = 0; i < 3; i++)
            {
                first.ZeroGrad(); uninterrupted.Backward(); first.Step();
                second.ZeroGrad(); resumed.Backward(); second.Step();
            }
            foreach (var (a, b) in uninterrupted.All.Zip(resumed.All))
                Assert.True(Same(a, b), "the resumed run must equal the uninterrupted one exactly");

            // Without the state the continuation differs, so the equality above is evidence, not coincidence.
            using var fresh = new OptimizerTestModel(seed: 99);
            fresh.CopyValuesFrom(uninterrupted);
            using var third = FineTuneOptimizer.Create(spec, fresh.Groups(BodyLr, HeadLr));
            first.ZeroGrad(); uninterrupted.Backward(); first.Step();
            third.ZeroGrad(); fresh.Backward(); third.Step();
            Assert.False(uninterrupted.All.Zip(fresh.All).All(pair => Same(pair.First, pair.Second)));
        }
        finally
        {
            foreach (var t in saved.Values) t.Dispose();
        }
    }

    [Fact]
    public void Saved_state_is_named_per_parameter_and_independent_of_the_optimizer()
    {
        using var m = new OptimizerTestModel();
        using var optimizer = FineTuneOptimizer.Create(Spec(OptimizerKind.Adam), m.Groups(BodyLr, HeadLr));
        m.Backward();
        optimizer.Step();
        optimizer.Step();

        var saved = optimizer.SaveState();
        Assert.Equal(
            new[] { "adam.exp_avg.body.bias", "adam.exp_avg.body.weight", "adam.exp_avg.head.weight",
                    "adam.exp_avg_sq.body.bias", "adam.exp_avg_sq.body.weight", "adam.exp_avg_sq.head.weight",
                    "adam.step.body.bias", "adam.step.body.weight", "adam.step.head.weight" },
            saved.Keys.Order(StringComparer.Ordinal));
        var step = saved["adam.step.head.weight"];
        Assert.Equal(ScalarType.Int64, step.dtype);
        Assert.Equal(0, step.dim());
        Assert.Equal(2L, step.item<long>());
        Assert.Equal(m.HeadWeight.shape, saved["adam.exp_avg.head.weight"].shape);

        using var before = saved["adam.exp_avg.head.weight"].clone();
        optimizer.Step();
        Assert.True(Same(saved["adam.exp_avg.head.weight"], before), "a saved tensor must be a copy, not the live state");
        Assert.Equal(2L, saved["adam.step.head.weight"].item<long>());
        foreach (var t in saved.Values) t.Dispose();
    }

    [Fact]
    public void LoadState_rejects_missing_and_misshapen_tensors_and_changes_nothing()
    {
        using var m = new OptimizerTestModel();
        using var optimizer = FineTuneOptimizer.Create(Spec(OptimizerKind.AdamW), m.Groups(BodyLr, HeadLr));
        m.Backward();
        optimizer.Step();
        var saved = optimizer.SaveState();

        var missing = new Dictionary<string, Tensor>(saved);
        missing.Remove("adamw.exp_avg_sq.body.bias");
        var error = Assert.Throws<InvalidDataException>(() => optimizer.LoadState(missing));
        Assert.Contains("adamw.exp_avg_sq.body.bias", error.Message);

        using var wrong = torch.zeros(3, 3);
        var misshapen = new Dictionary<string, Tensor>(saved) { ["adamw.exp_avg.head.weight"] = wrong };
        error = Assert.Throws<InvalidDataException>(() => optimizer.LoadState(misshapen));
        Assert.Contains("adamw.exp_avg.head.weight", error.Message);
        Assert.Contains("[3, 3]", error.Message);

        using var extra = torch.zeros(1);
        var unexpected = new Dictionary<string, Tensor>(saved) { ["adamw.exp_avg.layer9.weight"] = extra };
        Assert.Throws<InvalidDataException>(() => optimizer.LoadState(unexpected));

        // An Adam checkpoint does not fit an AdamW optimizer.
        var renamed = saved.ToDictionary(kv => kv.Key.Replace("adamw.", "adam."), kv => kv.Value);
        Assert.Throws<InvalidDataException>(() => optimizer.LoadState(renamed));

        var after = optimizer.SaveState();
        foreach (var (key, value) in saved) Assert.True(Same(value, after[key]), key);
        foreach (var t in saved.Values.Concat(after.Values)) t.Dispose();
    }

    [Theory]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.AdamW)]
    [InlineData(OptimizerKind.Sgd)]
    public void Parameters_that_are_frozen_or_have_no_gradient_are_untouched(OptimizerKind kind)
    {
        // Weight decay would shrink a parameter even with a zero gradient; it must not touch skipped ones.
        using var m = new OptimizerTestModel();
        using var optimizer = FineTuneOptimizer.Create(Spec(kind, weightDecay: 0.5, momentum: 0.9), m.Groups(BodyLr, HeadLr));
        m.Backward();
        m.BodyBias.grad = null;                 // never received a gradient
        m.HeadWeight.requires_grad = false;     // frozen after its gradient was computed
        using var bias = m.BodyBias.detach().clone();
        using var head = m.HeadWeight.detach().clone();
        using var body = m.BodyWeight.detach().clone();

        optimizer.Step();
        optimizer.Step();

        Assert.True(Same(m.BodyBias, bias));
        Assert.True(Same(m.HeadWeight, head));
        Assert.False(Same(m.BodyWeight, body), "the trained parameter must move");
        var saved = optimizer.SaveState();
        if (kind != OptimizerKind.Sgd)
        {
            var prefix = kind == OptimizerKind.Adam ? "adam" : "adamw";
            Assert.Equal(0L, saved[$"{prefix}.step.body.bias"].item<long>());
            Assert.Equal(2L, saved[$"{prefix}.step.body.weight"].item<long>());
        }
        foreach (var t in saved.Values) t.Dispose();
    }

    [Fact]
    public void Rejects_a_parameter_listed_twice_and_bad_rates()
    {
        using var m = new OptimizerTestModel();
        var twice = new[]
        {
            new OptimizerGroup("a", [new("w", m.BodyWeight)], 0.1),
            new OptimizerGroup("b", [new("w2", m.BodyWeight)], 0.1),
        };
        Assert.Throws<ArgumentException>(() => FineTuneOptimizer.Create(Spec(OptimizerKind.Sgd), twice));
        var sameName = new[]
        {
            new OptimizerGroup("a", [new("w", m.BodyWeight)], 0.1),
            new OptimizerGroup("b", [new("w", m.HeadWeight)], 0.1),
        };
        Assert.Throws<ArgumentException>(() => FineTuneOptimizer.Create(Spec(OptimizerKind.Adam), sameName));

        using var optimizer = FineTuneOptimizer.Create(Spec(OptimizerKind.Adam), m.Groups(BodyLr, HeadLr));
        Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.SetLearningRate(0, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.SetLearningRate(0, 1e38)); // would overflow Adam's float32 step
        Assert.Throws<ArgumentOutOfRangeException>(() => FineTuneOptimizer.Create(Spec(OptimizerKind.Adam), m.Groups(BodyLr, 1001)));
        Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.SetLearningRate(2, 0.1));
        Assert.Throws<ArgumentException>(() => FineTuneOptimizer.Create(Spec(OptimizerKind.Sgd, nesterov: true), m.Groups(BodyLr, HeadLr)));
    }

    [Fact]
    public void Step_inside_a_callers_dispose_scope_keeps_its_state_alive()
    {
        using var m = new OptimizerTestModel();
        FineTuneOptimizer optimizer;
        using (torch.NewDisposeScope())
        {
            optimizer = FineTuneOptimizer.Create(Spec(OptimizerKind.Adam), m.Groups(BodyLr, HeadLr));
            m.Backward();
            optimizer.Step();
        }
        // The state was created while the caller's scope was open; it must have survived that scope.
        m.Backward();
        optimizer.Step();
        var saved = optimizer.SaveState();
        Assert.Equal(2L, saved["adam.step.body.weight"].item<long>());
        foreach (var t in saved.Values) t.Dispose();
        optimizer.Dispose();
    }

    [Theory]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.AdamW)]
    [InlineData(OptimizerKind.Sgd)]
    public void Step_leaves_no_live_tensors_behind(OptimizerKind kind)
    {
        using var m = new OptimizerTestModel();
        using var optimizer = FineTuneOptimizer.Create(Spec(kind, weightDecay: 0.01, momentum: 0.9, nesterov: true), m.Groups(BodyLr, HeadLr));
        m.Backward();
        optimizer.Step();

        // Thread-local count of live tensor wrappers: unaffected by tests running on other threads.
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 5; i++) optimizer.Step();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    /// <summary>Exact equality of shape and every element.</summary>
    internal static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    internal static void AssertClose(Tensor expected, Tensor actual, double tolerance)
    {
        Assert.Equal(expected.shape, actual.shape);
        var difference = (expected - actual).abs().max().item<float>();
        Assert.True(difference <= tolerance, $"max difference {difference} > {tolerance}");
    }
}
