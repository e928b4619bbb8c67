using SpecTune.Spec;

namespace SpecTune.Freezing;

/// <summary>A glob over full parameter names (<see cref="Glob"/>, the engine the checker uses too).</summary>
internal sealed class GlobPattern
{
    /// <summary>Wraps <paramref name="pattern"/>.</summary>
    public GlobPattern(string pattern) => Pattern = pattern;

    /// <summary>The pattern as written.</summary>
    public string Pattern { get; }

    /// <summary>True when the whole <paramref name="name"/> matches.</summary>
    public bool IsMatch(string name) => Glob.Matches(Pattern, name);

    /// <inheritdoc />
    public override string ToString() => Pattern;
}
