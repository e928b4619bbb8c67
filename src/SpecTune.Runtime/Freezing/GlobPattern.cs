using System.Text.RegularExpressions;

namespace SpecTune.Freezing;

/// <summary>A glob over full parameter names: `*` matches any run of characters (dots included), `?` one character.</summary>
public sealed class GlobPattern
{
    private readonly Regex _regex;

    /// <summary>Compiles <paramref name="pattern"/>.</summary>
    public GlobPattern(string pattern)
    {
        Pattern = pattern;
        var body = Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".");
        _regex = new Regex("^" + body + "$", RegexOptions.CultureInvariant);
    }

    /// <summary>The pattern as written.</summary>
    public string Pattern { get; }

    /// <summary>True when the whole <paramref name="name"/> matches.</summary>
    public bool IsMatch(string name) => _regex.IsMatch(name);

    /// <inheritdoc />
    public override string ToString() => Pattern;
}
