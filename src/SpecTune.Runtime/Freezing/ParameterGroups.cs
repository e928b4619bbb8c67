using SpecTune.Models;
using SpecTune.Spec;
using TorchSharp.Modules;

namespace SpecTune.Freezing;

/// <summary>
/// Assigns every parameter of a network to exactly one group. `head` holds the new head's parameters;
/// each spec group claims parameters by glob; base parameters that no group claims form the implicit
/// group `base`, so that "freeze everything but the head" needs no groups at all.
/// </summary>
public sealed class ParameterGroups
{
    /// <summary>The name of the new head's group.</summary>
    public const string HeadGroup = "head";

    /// <summary>The name of the group of base parameters no spec group claims.</summary>
    public const string ImplicitBaseGroup = "base";

    private readonly Dictionary<string, ParameterGroup> _byName;

    private ParameterGroups(IReadOnlyList<ParameterGroup> groups)
    {
        All = groups;
        _byName = groups.ToDictionary(g => g.Name, StringComparer.Ordinal);
    }

    /// <summary>The groups in spec order, then `base` (when non-empty), then `head`.</summary>
    public IReadOnlyList<ParameterGroup> All { get; }

    /// <summary>The group called <paramref name="name"/>.</summary>
    public ParameterGroup this[string name] =>
        _byName.TryGetValue(name, out var group)
            ? group
            : throw new KeyNotFoundException($"No parameter group '{name}'; the groups are {string.Join(", ", All.Select(g => g.Name))}.");

    /// <summary>True when a group called <paramref name="name"/> exists.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The group that owns parameter <paramref name="parameterName"/>.</summary>
    public ParameterGroup OwnerOf(string parameterName) =>
        All.First(g => g.Parameters.Any(p => p.Key == parameterName));

    /// <summary>
    /// Resolves the spec's groups against <paramref name="network"/>. Every pattern must match at least one
    /// parameter on its own, no parameter may be claimed by two groups, and head parameters belong to `head`.
    /// </summary>
    /// <exception cref="SpecException">With one diagnostic per problem, located at the offending pattern.</exception>
    public static ParameterGroups Resolve(FineTuneNetwork network, FineTuneSpec spec)
    {
        var parameters = network.named_parameters().Select(t => KeyValuePair.Create(t.name, t.parameter)).ToList();
        var headPrefix = network.HeadSlot + ".";
        var claims = new Dictionary<string, string>(StringComparer.Ordinal);
        var members = spec.Groups.ToDictionary(g => g.Name, _ => new List<KeyValuePair<string, Parameter>>());
        var problems = new List<SpecDiagnostic>();

        for (int g = 0; g < spec.Groups.Count; g++)
        {
            var group = spec.Groups[g];
            if (group.Name is HeadGroup or ImplicitBaseGroup)
            {
                problems.Add(SpecDiagnostics.ReservedGroup.Create(spec.SourcePath, spec.Locations.Find($"groups.{group.Name}.$key"), group.Name));
                continue;
            }
            for (int p = 0; p < group.Patterns.Count; p++)
            {
                var glob = new GlobPattern(group.Patterns[p]);
                var matched = parameters.Where(kv => glob.IsMatch(kv.Key)).ToList();
                var location = $"groups.{group.Name}[{p}]";
                if (matched.Count == 0)
                {
                    problems.Add(SpecDiagnostics.PatternMatchesNothing.Create(spec.SourcePath, spec.Locations.Find(location),
                        glob.Pattern, group.Name, spec.Base.Onnx is { } onnx ? Path.GetFileName(onnx) : spec.Base.Architecture, Examples(parameters)));
                    continue;
                }
                var intoHead = matched.Where(kv => kv.Key.StartsWith(headPrefix, StringComparison.Ordinal)).Select(kv => kv.Key).ToList();
                if (intoHead.Count > 0)
                    problems.Add(SpecDiagnostics.PatternMatchesHead.Create(spec.SourcePath, spec.Locations.Find(location), glob.Pattern, group.Name, intoHead[0]));
                foreach (var kv in matched.Where(kv => !kv.Key.StartsWith(headPrefix, StringComparison.Ordinal)))
                {
                    if (claims.TryGetValue(kv.Key, out var owner) && owner != group.Name)
                        problems.Add(SpecDiagnostics.ParameterClaimedTwice.Create(spec.SourcePath, spec.Locations.Find(location), kv.Key, owner, group.Name));
                    else if (!claims.ContainsKey(kv.Key))
                    {
                        claims[kv.Key] = group.Name;
                        members[group.Name].Add(kv);
                    }
                }
            }
        }
        if (problems.Count > 0) throw new SpecException(problems);

        var groups = spec.Groups.Select(g => new ParameterGroup(g.Name, members[g.Name])).ToList();
        var unclaimed = parameters.Where(kv => !kv.Key.StartsWith(headPrefix, StringComparison.Ordinal) && !claims.ContainsKey(kv.Key)).ToList();
        if (unclaimed.Count > 0) groups.Add(new ParameterGroup(ImplicitBaseGroup, unclaimed));
        groups.Add(new ParameterGroup(HeadGroup, parameters.Where(kv => kv.Key.StartsWith(headPrefix, StringComparison.Ordinal)).ToList()));
        return new ParameterGroups(groups);
    }

    private static string Examples(List<KeyValuePair<string, Parameter>> parameters) =>
        string.Join(", ", parameters.Take(3).Select(p => p.Key)) + (parameters.Count > 3 ? ", ..." : "");
}
