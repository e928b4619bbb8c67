using SpecTune.Models;
using SpecTune.Spec;
using TorchSharp.Modules;

namespace SpecTune.Training;

/// <summary>How a phase runs the part of the network in front of the head.</summary>
public enum PrefixMode
{
    /// <summary>Some backbone parameter trains: the whole network runs with autograd, as written.</summary>
    Trainable,
    /// <summary>Every backbone parameter is frozen: the backbone runs under no_grad each step, then the head with autograd.</summary>
    FrozenNoGrad,
    /// <summary>As <see cref="FrozenNoGrad"/>, and the backbone's output is a pure function of the sample: computed once per sample, the head trains from the cache.</summary>
    Cached,
}

/// <summary>What the planner decided for one phase, and why (for reports and tests).</summary>
/// <param name="Mode">How the prefix runs.</param>
/// <param name="Reason">Why the cache is not used (null when it is).</param>
public sealed record FrozenPrefixPlan(PrefixMode Mode, string? Reason);

/// <summary>
/// Decides, per phase, whether the backbone (everything in front of the head slot, <see cref="FineTuneNetwork.Features"/>)
/// can run without autograd and whether its output can be cached. The cache is exact only when the backbone's output
/// depends on nothing but the sample: all its parameters frozen, BatchNorm statistics not moving, no random layer in it,
/// and no augmentation in the input pipeline. It is on by default where that holds; <c>feature-cache: false</c> (spec or
/// phase) turns it off.
/// </summary>
public static class FrozenPrefixPlanner
{
    /// <summary>Plans <paramref name="phase"/>; call after the freeze controller has entered it (flags must be set).</summary>
    public static FrozenPrefixPlan Plan(FineTuneSpec spec, PhasePlan phase, FineTuneNetwork network, bool hasAugmentation)
    {
        var headPrefix = network.HeadSlot + ".";
        var trained = network.named_parameters()
            .FirstOrDefault(p => !p.name.StartsWith(headPrefix, StringComparison.Ordinal) && p.parameter.requires_grad);
        if (trained.name is not null)
            return new FrozenPrefixPlan(PrefixMode.Trainable, $"backbone parameter '{trained.name}' trains in this phase");

        bool enabled = spec.Phases[phase.Index].FeatureCache ?? spec.FeatureCache;
        if (!enabled)
            return new FrozenPrefixPlan(PrefixMode.FrozenNoGrad, "feature-cache: false");
        if (phase.BatchNorm == BatchNormPolicy.TrainAll)
            return new FrozenPrefixPlan(PrefixMode.FrozenNoGrad, "batch-norm: train-all updates the backbone's BatchNorm statistics every step");
        if (hasAugmentation)
            return new FrozenPrefixPlan(PrefixMode.FrozenNoGrad, "the training transforms include augmentation, so a sample's features differ every epoch");
        var random = network.named_modules().FirstOrDefault(m =>
            !m.name.StartsWith(headPrefix, StringComparison.Ordinal) && m.name != network.HeadSlot &&
            m.module is Dropout or Dropout1d or Dropout2d or Dropout3d or AlphaDropout or FeatureAlphaDropout);
        if (random.name is not null)
            return new FrozenPrefixPlan(PrefixMode.FrozenNoGrad, $"the backbone has a random layer ('{random.name}')");
        return new FrozenPrefixPlan(PrefixMode.Cached, null);
    }
}
