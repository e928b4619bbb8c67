using SpecTune.Spec;
using TorchSharp;

namespace SpecTune;

/// <summary>
/// The one place where the session (<see cref="FineTuneJob"/>) sets process-wide torch state: the intra-op thread
/// count (the spec's <c>threads</c>, else the processor count) and torch's global seed (the spec's <c>seed</c>,
/// before the network is initialised). glibc malloc tuning is the <c>NativeAllocatorCallback</c>'s, during a fit only
/// (<see cref="Training.TrainingOptions.TuneNativeAllocator"/>). Networks, groups and the <see cref="Training.Learner"/>
/// set none of this: a library user constructing them keeps the host's settings.
/// </summary>
internal static class ProcessState
{
    /// <summary>
    /// When false, the session leaves the thread count alone (a host that manages torch threads itself). The seed
    /// is always set: without it the spec's runs would not repeat.
    /// </summary>
    public static bool SetThreads { get; set; } = true;

    /// <summary>Sets torch's intra-op thread count from the spec (or the processor count), unless <see cref="SetThreads"/> is false.</summary>
    public static void ApplyThreads(FineTuneSpec spec)
    {
        if (SetThreads) torch.set_num_threads(spec.Threads ?? Environment.ProcessorCount);
    }

    /// <summary>Seeds torch's global generator (initialisation and dropout) with the spec's seed.</summary>
    public static void ApplySeed(FineTuneSpec spec) => torch.manual_seed(spec.Seed);
}
