using SpecTune.Models;
using SpecTune.Spec;
using TorchSharp.Modules;

namespace SpecTune.Training;

/// <summary>How a phase runs the part of the network in front of the head.</summary>
internal enum PrefixMode
{
    /// <summary>Some backbone parameter trains and nothing is cached: the whole network runs with autograd, as written
    /// (a frozen leading part records no history: nothing in it requires a gradient).</summary>
    Trainable,
    /// <summary>Every backbone parameter is frozen: the backbone runs under no_grad each step, then the head with autograd.</summary>
    FrozenNoGrad,
    /// <summary>
    /// The leading frozen stages' output (<see cref="FrozenPrefixPlan.CachedStages"/> of them; all of them when only the
    /// head trains) is a pure function of the sample: computed once per sample, the rest trains from the cache.
    /// </summary>
    Cached,
}

/// <summary>What the planner decided for one phase, and why (for reports and tests).</summary>
/// <param name="Mode">How the prefix runs.</param>
/// <param name="Reason">Why the cache is not used, or not cut later (null when the whole backbone is cached).</param>
/// <param name="CachedStages">Leading backbone stages whose output is cached (0 unless <see cref="PrefixMode.Cached"/>).</param>
/// <param name="CutAfter">The last cached stage's name (null unless cached).</param>
internal sealed record FrozenPrefixPlan(PrefixMode Mode, string? Reason, int CachedStages = 0, string? CutAfter = null);

/// <summary>
/// Decides, per phase, how much of the backbone (everything in front of the head slot, cut into
/// <see cref="FineTuneNetwork.Stages"/>) can run without autograd and be cached. A stage's output is a pure function of
/// the sample only when it and every stage before it are frozen (parameters, and BatchNorm statistics not moving) and
/// hold no random layer, and the input pipeline has no augmentation. The cache cuts after the last such stage: the
/// whole backbone when only the head trains, fewer stages when the phase also trains the last ones (an "unfreeze the
/// top" phase trains them from cached activations). On by default where that holds; <c>feature-cache: false</c> (spec
/// or phase) turns it off.
/// </summary>
internal static class FrozenPrefixPlanner
{
    /// <summary>Plans <paramref name="phase"/>; call after the freeze controller has entered it (flags must be set).</summary>
    public static FrozenPrefixPlan Plan(FineTuneSpec spec, PhasePlan phase, FineTuneNetwork network, bool hasAugmentation)
    {
        var headPrefix = network.HeadSlot + ".";
        var stages = network.Stages;
        var trained = network.named_parameters()
            .FirstOrDefault(p => !p.name.StartsWith(headPrefix, StringComparison.Ordinal) && p.parameter.requires_grad);
        bool backboneTrains = trained.name is not null;

        bool enabled = spec.Phases[phase.Index].FeatureCache ?? spec.FeatureCache;
        var notCached = backboneTrains ? PrefixMode.Trainable : PrefixMode.FrozenNoGrad;
        if (!enabled)
            return new FrozenPrefixPlan(notCached, "feature-cache: false");
        if (hasAugmentation)
            return new FrozenPrefixPlan(notCached, "the training transforms include augmentation, so a sample's features differ every epoch");

        // The leading stages that are frozen and deterministic; the first one that is not ends the cacheable prefix.
        string? stop = null;
        int frozen = 0;
        for (; frozen < stages.Count; frozen++)
        {
            stop = WhyNotCacheable(stages[frozen], network, headPrefix, phase);
            if (stop is not null) break;
        }
        if (frozen == 0)
            return new FrozenPrefixPlan(notCached, stop);
        // A parameter no stage claims is treated as part of the first stage (conservative: it could run anywhere).
        var unclaimed = network.named_parameters().FirstOrDefault(p => !p.name.StartsWith(headPrefix, StringComparison.Ordinal)
            && p.parameter.requires_grad && !stages.Any(s => s.Owns(p.name)));
        if (unclaimed.name is not null)
            return new FrozenPrefixPlan(notCached, $"backbone parameter '{unclaimed.name}' trains in this phase");
        return new FrozenPrefixPlan(PrefixMode.Cached, frozen < stages.Count ? stop : null, frozen, stages[frozen - 1].Name);
    }

    /// <summary>True when some backbone (non-head) parameter requires a gradient: without a cache the phase is <see cref="PrefixMode.Trainable"/>.</summary>
    public static bool BackboneTrains(FineTuneNetwork network)
    {
        var headPrefix = network.HeadSlot + ".";
        return network.named_parameters().Any(p => !p.name.StartsWith(headPrefix, StringComparison.Ordinal) && p.parameter.requires_grad);
    }

    /// <summary>Why <paramref name="stage"/>'s output could change between epochs for the same sample; null when it cannot.</summary>
    private static string? WhyNotCacheable(BackboneStage stage, FineTuneNetwork network, string headPrefix, PhasePlan phase)
    {
        bool InStage(string name) => !name.StartsWith(headPrefix, StringComparison.Ordinal) && name != network.HeadSlot && stage.Owns(name + ".");
        var trained = network.named_parameters().FirstOrDefault(p => InStage(p.name) && p.parameter.requires_grad);
        if (trained.name is not null)
            return $"backbone parameter '{trained.name}' trains in this phase";
        var modules = network.named_modules().Where(m => m.name.Length > 0 && InStage(m.name)).ToList();
        if (phase.BatchNorm == BatchNormPolicy.TrainAll && modules.FirstOrDefault(m => m.module is BatchNorm1d or BatchNorm2d or BatchNorm3d).name is { } batchNorm)
            return $"batch-norm: train-all updates the BatchNorm statistics of '{batchNorm}' every step";
        var random = modules.FirstOrDefault(m => m.module is Dropout or Dropout1d or Dropout2d or Dropout3d or AlphaDropout or FeatureAlphaDropout);
        if (random.name is not null)
            return $"the backbone has a random layer ('{random.name}')";
        return null;
    }
}
