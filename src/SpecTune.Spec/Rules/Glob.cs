namespace SpecTune.Spec
{
    /// <summary>
    /// The one glob engine over full parameter names, used by the checker (groups against the catalogue) and the
    /// runtime (groups against the built network): `*` matches any run of characters (dots included), `?` one
    /// character, `[abc]`, `[0-5]` one character of the class and `[!0-5]` one character outside it (so
    /// `encoder.layer.[0-2].*` claims layers 0 to 2); the pattern must match the whole name. As in Python's fnmatch,
    /// a `[` with no closing `]` is a literal character, and a `]` right after `[` or `[!` belongs to the class.
    /// </summary>
    public static class Glob
    {
        public static bool Matches(string pattern, string name)
        {
            // Iterative with one backtrack point, the classic wildcard algorithm: linear for typical patterns, never exponential.
            int p = 0, n = 0, starP = -1, starN = 0;
            while (n < name.Length)
            {
                if (p < pattern.Length && pattern[p] == '*') { starP = p++; starN = n; continue; }
                if (p < pattern.Length && Step(pattern, p, name[n]) is int next && next > 0) { p = next; n++; continue; }
                if (starP >= 0) { p = starP + 1; n = ++starN; continue; }
                return false;
            }
            while (p < pattern.Length && pattern[p] == '*') p++;
            return p == pattern.Length;
        }

        /// <summary>Where the pattern continues when its element at <paramref name="p"/> matches <paramref name="c"/>; 0 when it does not.</summary>
        private static int Step(string pattern, int p, char c)
        {
            if (pattern[p] == '?') return p + 1;
            if (pattern[p] == '[' && ClassEnd(pattern, p) is int end && end > 0)
            {
                int first = p + 1;
                bool negated = first < end && pattern[first] == '!';
                if (negated) first++;
                bool member = false;
                for (int i = first; i < end; i++)
                {
                    if (i + 2 < end && pattern[i + 1] == '-') { member |= c >= pattern[i] && c <= pattern[i + 2]; i += 2; }
                    else member |= c == pattern[i];
                }
                return member != negated ? end + 1 : 0;
            }
            return pattern[p] == c ? p + 1 : 0;
        }

        /// <summary>The index of the `]` closing the class opened at <paramref name="open"/>; 0 when there is none.</summary>
        private static int ClassEnd(string pattern, int open)
        {
            int i = open + 1;
            if (i < pattern.Length && pattern[i] == '!') i++;
            if (i < pattern.Length && pattern[i] == ']') i++; // a leading ] is a member
            int end = pattern.IndexOf(']', i);
            return end < 0 ? 0 : end;
        }
    }
}
