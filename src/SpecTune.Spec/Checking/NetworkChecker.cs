using System.Linq;

namespace SpecTune.Spec
{
    /// <summary>
    /// The SPT02xx checks that need the base network's parameter names, made at compile time from
    /// <see cref="ArchitectureCatalog"/> by the same <see cref="GroupResolution"/> the runtime applies to the built network.
    /// </summary>
    public static class NetworkChecker
    {
        /// <summary>Checks <paramref name="spec"/>'s groups against its architecture's names; empty when the architecture is unknown.</summary>
        public static EquatableArray<SpecDiagnostic> Check(FineTuneSpec spec)
        {
            var names = ArchitectureCatalog.ParameterNames(spec.Base, spec.Head);
            if (names is null) return EquatableArray<SpecDiagnostic>.Empty;
            return GroupResolution.Resolve(spec, names, ArchitectureCatalog.HeadSlot, spec.Base.Architecture).Problems;
        }

        /// <summary>True when some base parameter is claimed by no group (so the implicit group `base` exists).</summary>
        public static bool HasUnclaimedBaseParameters(FineTuneSpec spec)
        {
            var names = ArchitectureCatalog.BaseParameterNames(spec.Base);
            if (names is null) return true;
            return names.Any(n => !spec.Groups.Any(g => g.Patterns.Any(p => Glob.Matches(p, n))));
        }
    }
}
