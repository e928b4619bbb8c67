using SpecTune.Data;
using SpecTune.Losses;
using SpecTune.Models;
using SpecTune.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Training;

/// <summary>
/// One optimizer step (forward, loss plus L2-SP, backward, clip, update) in the way a phase's
/// <see cref="PrefixMode"/> asks for: the whole network, a frozen backbone run under no_grad, or the head alone
/// on cached features. Every tensor of the step is freed when it returns.
/// </summary>
internal sealed class TrainingStep
{
    private readonly FineTuneNetwork _network;
    private readonly LossFunction _loss;
    private readonly L2SpRegularizer? _regularizer;
    private readonly double? _gradientClip;
    private readonly Device _device;

    public TrainingStep(FineTuneNetwork network, LossFunction loss, L2SpRegularizer? regularizer, double? gradientClip, Device device)
    {
        _network = network;
        _loss = loss;
        _regularizer = regularizer;
        _gradientClip = gradientClip;
        _device = device;
    }

    /// <summary>
    /// The network's output for <paramref name="input"/>: samples for <see cref="PrefixMode.Trainable"/> and
    /// <see cref="PrefixMode.FrozenNoGrad"/>, the cached stages' output for <see cref="PrefixMode.Cached"/> (the rest
    /// of the backbone, if any, and the head run on it). A frozen backbone records no autograd history, so none of its
    /// activations are kept for a backward pass that would not use them.
    /// </summary>
    public Tensor Forward(Tensor input, FrozenPrefixPlan plan)
    {
        switch (plan.Mode)
        {
            case PrefixMode.Cached:
                return _network.ForwardFrom(input, plan.CachedStages);
            case PrefixMode.FrozenNoGrad:
                Tensor features;
                using (no_grad()) features = _network.Features(input);
                return _network.Head.call(features);
            default:
                return _network.call(input);
        }
    }

    /// <summary>Runs one step on <paramref name="batch"/>; returns the loss (not finite: nothing was updated).</summary>
    public double Run(Batch batch, FineTuneOptimizer optimizer, FrozenPrefixPlan plan)
    {
        using var scope = NewDisposeScope();
        // One input runs as the phase's prefix plan says; several named inputs run the network's Forward(inputs).
        var input = batch.Inputs.Count == 1 ? batch.Features.to(_device) : null;
        var inputs = input is null ? OnDevice(batch.Inputs, _device) : null;
        var target = batch.Targets.to(_device);
        optimizer.ZeroGrad();
        var output = input is not null ? Forward(input, plan) : _network.Forward(inputs!);
        var loss = _loss.Compute(output, target);
        if (_regularizer is { } l2sp) loss = loss + l2sp.Penalty();
        double value = loss.item<float>();
        if (!double.IsFinite(value)) return value;
        loss.backward();
        if (_gradientClip is double maxNorm)
            GradientClipping.ClipGlobalNorm(optimizer.Groups.SelectMany(g => g.Parameters).Select(p => p.Value), maxNorm);
        optimizer.Step();
        return value;
    }

    /// <summary>Each of <paramref name="inputs"/> on <paramref name="device"/> (in the caller's dispose scope).</summary>
    internal static Dictionary<string, Tensor> OnDevice(IReadOnlyDictionary<string, Tensor> inputs, Device device) =>
        inputs.ToDictionary(kv => kv.Key, kv => kv.Value.to(device), StringComparer.Ordinal);
}
