using SpecTune.Spec;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpecTune.Optimization;

/// <summary>
/// An optimizer over named parameter groups with per-group learning rates, whose state can be saved as
/// named tensors and loaded into a freshly built optimizer so that a resumed run continues bit-exactly.
/// </summary>
/// <remarks>
/// The trainer builds a new optimizer whenever a phase starts, from the groups that phase trains; frozen
/// groups are never handed to it. As a second line of defence, <see cref="Step"/> also skips any parameter
/// whose <c>requires_grad</c> is false or whose gradient is null, so such a parameter is never touched
/// (not even by weight decay).
/// <para>
/// State is allocated for every parameter when the optimizer is built (zeros, step 0) rather than lazily
/// at the first step as in PyTorch. The arithmetic is the same (a zero moment updated once equals the
/// lazily initialised one exactly), and it makes the state's key set fixed, so that
/// <see cref="LoadState"/> can reject a checkpoint that lacks any of it.
/// </para>
/// </remarks>
public abstract class FineTuneOptimizer : IDisposable
{
    private readonly double[] _learningRates;
    private readonly Dictionary<string, Tensor> _state = new(StringComparer.Ordinal);
    private bool _disposed;

    protected FineTuneOptimizer(string stateKeyPrefix, IReadOnlyList<OptimizerGroup> groups)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateKeyPrefix);
        ArgumentNullException.ThrowIfNull(groups);
        StateKeyPrefix = stateKeyPrefix;
        Groups = groups.ToArray();
        _learningRates = new double[Groups.Count];

        var names = new HashSet<string>(StringComparer.Ordinal);
        var handles = new Dictionary<IntPtr, string>();
        for (int g = 0; g < Groups.Count; g++)
        {
            var group = Groups[g] ?? throw new ArgumentException($"Optimizer group {g} is null.", nameof(groups));
            ValidateLearningRate(group.LearningRate, $"group '{group.Name}'");
            _learningRates[g] = group.LearningRate;
            foreach (var (name, parameter) in group.Parameters)
            {
                if (parameter is null) throw new ArgumentException($"Parameter '{name}' of group '{group.Name}' is null.", nameof(groups));
                // Names key the checkpointed state; a parameter listed twice would also be updated twice per step.
                if (!names.Add(name)) throw new ArgumentException($"Parameter '{name}' appears more than once in the optimizer's groups.", nameof(groups));
                if (handles.TryGetValue(parameter.Handle, out var other))
                    throw new ArgumentException($"Parameters '{other}' and '{name}' are the same tensor.", nameof(groups));
                handles.Add(parameter.Handle, name);
            }
        }
    }

    /// <summary>Builds the optimizer the spec names over <paramref name="groups"/>; each group's own rate overrides the spec's <c>lr</c>.</summary>
    public static FineTuneOptimizer Create(OptimizerSpec spec, IReadOnlyList<OptimizerGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Kind switch
        {
            OptimizerKind.Adam => new AdamOptimizer(groups, spec.Beta1, spec.Beta2, spec.Epsilon, spec.WeightDecay, decoupledWeightDecay: false),
            OptimizerKind.AdamW => new AdamOptimizer(groups, spec.Beta1, spec.Beta2, spec.Epsilon, spec.WeightDecay, decoupledWeightDecay: true),
            OptimizerKind.Sgd => new SgdOptimizer(groups, spec.Momentum, spec.WeightDecay, spec.Nesterov),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Kind, "Unknown optimizer kind."),
        };
    }

    /// <summary>The groups, in the order given; group indexes refer to this list.</summary>
    public IReadOnlyList<OptimizerGroup> Groups { get; }

    /// <summary>Prefix of every state key, e.g. <c>adam</c> in <c>adam.exp_avg.fc.weight</c>.</summary>
    public string StateKeyPrefix { get; }

    /// <summary>The learning rate the next <see cref="Step"/> uses for group <paramref name="group"/>.</summary>
    public double GetLearningRate(int group) => _learningRates[CheckGroup(group)];

    /// <summary>Sets the learning rate of group <paramref name="group"/> (a schedule calls this before each step).</summary>
    public void SetLearningRate(int group, double lr)
    {
        CheckGroup(group);
        ValidateLearningRate(lr, $"group '{Groups[group].Name}'");
        _learningRates[group] = lr;
    }

    /// <summary>
    /// Zeroes the gradients of trainable parameters in place (<c>zero_grad(set_to_none=False)</c>) and drops those of
    /// frozen ones. Keeping the buffers is deliberate: freeing every gradient and letting backward allocate them again
    /// interleaves gradient-sized blocks with activations in the native heap, which then keeps growing from
    /// fragmentation. Measured on ResNet-18 (64×64, batch 32, full fine-tune, 1 thread): peak memory 1.3–1.8 GiB
    /// against 0.6 GiB, 4,600–6,900 page faults per step against 30–300, and 10–25% fewer samples per second.
    /// Results are unchanged: backward adds the new gradient to exact zeros.
    /// </summary>
    public void ZeroGrad()
    {
        ThrowIfDisposed();
        foreach (var group in Groups)
            foreach (var (_, parameter) in group.Parameters)
            {
                // The wrapper is a new handle each time; disposing it leaves the parameter's gradient in place.
                using var grad = parameter.grad;
                if (grad is null) continue;
                if (parameter.requires_grad) grad.zero_();
                else parameter.grad = null; // frozen: nothing will write it again, so its memory goes
            }
    }

    /// <summary>Updates every parameter that requires a gradient and has one; others are left untouched.</summary>
    public void Step()
    {
        ThrowIfDisposed();
        // Every temporary of the update dies with this scope; state tensors live outside it (see CreateState).
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        for (int g = 0; g < Groups.Count; g++)
        {
            foreach (var (name, parameter) in Groups[g].Parameters)
            {
                if (!parameter.requires_grad) continue;
                var grad = parameter.grad;
                if (grad is null) continue;
                // One scope per parameter: its temporaries (e.g. Adam's denominator, one parameter's size) are freed
                // before the next parameter's are made, instead of all of them living until the step ends.
                using var parameterScope = torch.NewDisposeScope();
                Update(name, parameter, grad, _learningRates[g]);
            }
        }
    }

    /// <summary>Applies one update to <paramref name="parameter"/> in place, under no_grad inside a dispose scope.</summary>
    protected abstract void Update(string name, Parameter parameter, Tensor grad, double lr);

    /// <summary>
    /// Registers a state tensor under <c>prefix.kind.name</c>, detached from any dispose scope the caller
    /// may have open so that it lives as long as the optimizer.
    /// </summary>
    protected Tensor CreateState(string kind, string parameterName, Tensor initial)
    {
        var key = $"{StateKeyPrefix}.{kind}.{parameterName}";
        _state.Add(key, initial.DetachFromDisposeScope());
        return initial;
    }

    /// <summary>
    /// A copy of the state as named CPU tensors (moments, momentum buffers, per-parameter step counts as
    /// int64 scalars), safe to keep after this optimizer is disposed and to write into a checkpoint.
    /// </summary>
    public Dictionary<string, Tensor> SaveState()
    {
        ThrowIfDisposed();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var saved = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        // cpu() returns the tensor itself when it already lives there, so clone to decouple the copy.
        // The copies belong to the caller, not to any dispose scope.
        foreach (var (key, tensor) in _state)
            saved.Add(key, tensor.detach().cpu().clone().DetachFromDisposeScope());
        return saved;
    }

    /// <summary>
    /// Replaces the state with <paramref name="state"/> (as written by <see cref="SaveState"/> of an optimizer
    /// of the same kind over the same parameter names). Keys with another prefix are ignored, so a checkpoint
    /// may keep model weights in the same dictionary.
    /// </summary>
    /// <exception cref="InvalidDataException">A state tensor is missing, unexpected, or shaped differently.</exception>
    public void LoadState(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ThrowIfDisposed();
        // Check everything before changing anything, so a bad checkpoint leaves the optimizer as it was.
        var missing = _state.Keys.Where(k => !state.ContainsKey(k)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"The optimizer state lacks {missing.Count} tensor(s) this {StateKeyPrefix} optimizer needs, e.g. '{missing[0]}'. Was it saved by a different optimizer or over different parameter groups?");
        var prefix = StateKeyPrefix + ".";
        var unexpected = state.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !_state.ContainsKey(k)).ToList();
        if (unexpected.Count > 0)
            throw new InvalidDataException($"The optimizer state has {unexpected.Count} tensor(s) for parameters this optimizer does not train, e.g. '{unexpected[0]}'.");
        foreach (var (key, target) in _state)
        {
            var source = state[key] ?? throw new InvalidDataException($"Optimizer state tensor '{key}' is null.");
            if (!source.shape.SequenceEqual(target.shape))
                throw new InvalidDataException($"Optimizer state tensor '{key}' has shape [{string.Join(", ", source.shape)}], expected [{string.Join(", ", target.shape)}].");
            if (source.dtype != target.dtype)
                throw new InvalidDataException($"Optimizer state tensor '{key}' has type {source.dtype}, expected {target.dtype}.");
        }

        using var noGrad = torch.no_grad();
        foreach (var (key, target) in _state)
            target.copy_(state[key]);
    }

    /// <summary>Reads the int64 step counter a subclass keeps in state tensor <paramref name="counter"/>.</summary>
    protected static long ReadCount(Tensor counter) => counter.item<long>();

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (_disposed) return;
        _disposed = true;
        if (!disposing) return;
        foreach (var tensor in _state.Values) tensor.Dispose();
        _state.Clear();
    }

    private int CheckGroup(int group)
    {
        if ((uint)group >= (uint)Groups.Count)
            throw new ArgumentOutOfRangeException(nameof(group), group, $"The optimizer has {Groups.Count} group(s).");
        return group;
    }

    private static void ValidateLearningRate(double lr, string what)
    {
        if (!(lr >= 0 && lr <= ValueRanges.MaxRate))
            throw new ArgumentOutOfRangeException(nameof(lr), lr,
                $"The learning rate of {what} must be at least 0 and at most {ValueRanges.MaxRate} (larger rates overflow a float32 step).");
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
