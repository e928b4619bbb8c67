namespace SpecTune.Spec
{
    /// <summary>
    /// The one glob engine over full parameter names, used by the checker (groups against the catalogue) and the
    /// runtime (groups against the built network): `*` matches any run of characters (dots included), `?` one
    /// character, and the pattern must match the whole name.
    /// </summary>
    public static class Glob
    {
        public static bool Matches(string pattern, string name)
        {
            // Iterative with one backtrack point, the classic wildcard algorithm: linear for typical patterns, never exponential.
            int p = 0, n = 0, starP = -1, starN = 0;
            while (n < name.Length)
            {
                if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == name[n])) { p++; n++; }
                else if (p < pattern.Length && pattern[p] == '*') { starP = p++; starN = n; }
                else if (starP >= 0) { p = starP + 1; n = ++starN; }
                else return false;
            }
            while (p < pattern.Length && pattern[p] == '*') p++;
            return p == pattern.Length;
        }
    }
}
