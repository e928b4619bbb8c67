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
    public const string HeadGroup = GroupResolution.HeadGroup;

    /// <summary>The name of the group of base parameters no spec group claims.</summary>
    public const string ImplicitBaseGroup = GroupResolution.ImplicitBaseGroup;

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
    /// Resolves the spec's groups against <paramref name="network"/> by the rule the checker applies at compile time
    /// (<see cref="GroupResolution"/>): every pattern must match at least one parameter on its own, no parameter may be
    /// claimed by two groups, and head parameters belong to `head`.
    /// </summary>
    /// <exception cref="SpecException">With one diagnostic per problem, located at the offending pattern.</exception>
    public static ParameterGroups Resolve(FineTuneNetwork network, FineTuneSpec spec)
    {
        var parameters = network.named_parameters().ToDictionary(t => t.name, t => t.parameter, StringComparer.Ordinal);
        var names = network.named_parameters().Select(t => t.name).ToList();
        var baseName = spec.Base.Onnx is { } onnx ? Path.GetFileName(onnx) : spec.Base.Architecture;
        var resolution = GroupResolution.Resolve(spec, names, network.HeadSlot, baseName);
        var problems = spec.Groups.Where(g => g.Name is HeadGroup or ImplicitBaseGroup)
            .Select(g => SpecDiagnostics.ReservedGroup.Create(spec.SourcePath, spec.Locations.Find($"groups.{g.Name}.$key"), g.Name))
            .Concat(resolution.Problems).ToList();
        if (problems.Count > 0) throw new SpecException(problems);

        List<KeyValuePair<string, Parameter>> Of(IEnumerable<string> owned) => owned.Select(n => KeyValuePair.Create(n, parameters[n])).ToList();
        var groups = spec.Groups.Select(g => new ParameterGroup(g.Name, Of(resolution.Members[g.Name]))).ToList();
        if (resolution.Unclaimed.Count > 0) groups.Add(new ParameterGroup(ImplicitBaseGroup, Of(resolution.Unclaimed)));
        groups.Add(new ParameterGroup(HeadGroup, Of(resolution.Head)));
        return new ParameterGroups(groups);
    }

    /// <summary>
    /// Groups without a spec (layer 0): each of <paramref name="groups"/> claims the parameters its glob matches (the first
    /// match wins), the head slot's parameters form `head`, and the rest `base`.
    /// </summary>
    /// <exception cref="ArgumentException">A name is `head`, `base` or given twice, or a glob claims no parameter.</exception>
    public static ParameterGroups Create(FineTuneNetwork network, params (string Name, string Glob)[] groups)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(groups);
        if (groups.FirstOrDefault(g => g.Name is HeadGroup or ImplicitBaseGroup).Name is { } reserved)
            throw new ArgumentException($"group name '{reserved}' is reserved: the head slot's parameters form '{HeadGroup}', the unclaimed rest '{ImplicitBaseGroup}'.", nameof(groups));
        if (groups.GroupBy(g => g.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"group '{twice.Key}' is given twice.", nameof(groups));
        var patterns = groups.Select(g => (g.Name, Pattern: new GlobPattern(g.Glob))).ToList();
        var members = patterns.ToDictionary(g => g.Name, _ => new List<KeyValuePair<string, Parameter>>(), StringComparer.Ordinal);
        var (head, rest) = (new List<KeyValuePair<string, Parameter>>(), new List<KeyValuePair<string, Parameter>>());
        foreach (var (name, parameter) in network.named_parameters())
        {
            var entry = KeyValuePair.Create(name, parameter);
            if (name.StartsWith(network.HeadSlot + ".", StringComparison.Ordinal)) head.Add(entry);
            else if (patterns.FirstOrDefault(g => g.Pattern.IsMatch(name)).Name is { } owner) members[owner].Add(entry);
            else rest.Add(entry);
        }
        if (patterns.FirstOrDefault(g => members[g.Name].Count == 0) is { Name: not null } empty)
            throw new ArgumentException($"group '{empty.Name}' ({empty.Pattern}) claims no parameter of {network.GetType().Name} outside the head slot '{network.HeadSlot}' and earlier groups.", nameof(groups));
        var all = patterns.Select(g => new ParameterGroup(g.Name, members[g.Name])).ToList();
        if (rest.Count > 0) all.Add(new ParameterGroup(ImplicitBaseGroup, rest));
        all.Add(new ParameterGroup(HeadGroup, head));
        return new ParameterGroups(all);
    }
}
