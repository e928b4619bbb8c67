namespace SpecTune.Weights;

/// <summary>How <see cref="WeightLoader"/> matches weight names to a module's parameters and buffers.</summary>
internal sealed record WeightLoadOptions
{
    public static WeightLoadOptions Default { get; } = new();

    /// <summary>
    /// When true (the default), any missing, unexpected or shape-mismatched name fails the load with
    /// one <see cref="WeightLoadException"/> listing them all, and the module is left untouched.
    /// When false, what fits is loaded and the rest comes back as warnings in the report.
    /// </summary>
    public bool Strict { get; init; } = true;

    /// <summary>
    /// Names under these prefixes (module names, i.e. after <see cref="NameMap"/>) are neither loaded
    /// nor reported missing or unexpected, e.g. <c>fc</c> for a head that replaces the file's.
    /// A prefix ending in '.' matches by string prefix; any other prefix matches the name itself
    /// and names below it, so "fc" covers "fc.weight" but not "fc2.weight".
    /// </summary>
    public IReadOnlyList<string> SkipPrefixes { get; init; } = [];

    /// <summary>Maps a name in the weights to the module's name for it; null keeps names as they are.</summary>
    public Func<string, string>? NameMap { get; init; }

    /// <summary>These options with a name map that renames the listed weights and keeps every other name.</summary>
    public WeightLoadOptions WithRenames(IReadOnlyDictionary<string, string> renames)
    {
        ArgumentNullException.ThrowIfNull(renames);
        return this with { NameMap = name => renames.TryGetValue(name, out var renamed) ? renamed : name };
    }

    /// <summary>
    /// These options with a name map that replaces name prefixes, longest match first: a name equal to a key
    /// or below it (<c>key.*</c>) gets the value in the key's place; a key ending in '.' is a plain string
    /// prefix (<c>"module." -> ""</c> strips DataParallel's prefix). Other names are kept.
    /// </summary>
    public WeightLoadOptions WithPrefixRenames(IEnumerable<KeyValuePair<string, string>> renames)
    {
        ArgumentNullException.ThrowIfNull(renames);
        var ordered = renames.OrderByDescending(r => r.Key.Length).ToArray();
        return this with
        {
            NameMap = name =>
            {
                foreach (var (from, to) in ordered)
                {
                    if (Covers(from, name))
                    {
                        var rest = name.Substring(from.Length);
                        // "features" -> "" turns "features.0.weight" into "0.weight", not ".0.weight".
                        if (to.Length == 0 && rest.StartsWith('.')) rest = rest.Substring(1);
                        return to + rest;
                    }
                }
                return name;
            },
        };
    }

    private static bool Covers(string prefix, string name) =>
        prefix.EndsWith('.')
            ? name.StartsWith(prefix, StringComparison.Ordinal)
            : name == prefix || (name.StartsWith(prefix, StringComparison.Ordinal) && name.Length > prefix.Length && name[prefix.Length] == '.');

    internal bool IsSkipped(string moduleName)
    {
        foreach (var prefix in SkipPrefixes)
            if (Covers(prefix, moduleName)) return true;
        return false;
    }
}
