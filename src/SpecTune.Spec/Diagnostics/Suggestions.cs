using System;
using System.Collections.Generic;

namespace SpecTune.Spec
{
    /// <summary>"Did you mean" candidates by edit distance, so that a misspelt key or name is never just "unknown".</summary>
    internal static class Suggestions
    {
        /// <summary>The candidate nearest to <paramref name="actual"/>, or null when none is close enough to be a typo.</summary>
        public static string? Closest(string actual, IEnumerable<string> candidates)
        {
            string? best = null;
            int bestDistance = int.MaxValue;
            foreach (var candidate in candidates)
            {
                int distance = Distance(actual.ToLowerInvariant(), candidate.ToLowerInvariant());
                if (distance < bestDistance)
                {
                    best = candidate;
                    bestDistance = distance;
                }
            }
            // Short words are only typos at distance 1 ("lr" is not a misspelling of "eps"); longer
            // ones tolerate about one edit in three letters.
            int allowed = Math.Max(1, Math.Min(3, actual.Length / 3));
            return best is not null && bestDistance <= allowed ? best : null;
        }

        /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions.</summary>
        public static int Distance(string a, string b)
        {
            var d = new int[a.Length + 1, b.Length + 1];
            for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
            for (int j = 0; j <= b.Length; j++) d[0, j] = j;
            for (int i = 1; i <= a.Length; i++)
            {
                for (int j = 1; j <= b.Length; j++)
                {
                    int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                    int value = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                    if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                        value = Math.Min(value, d[i - 2, j - 2] + 1);
                    d[i, j] = value;
                }
            }
            return d[a.Length, b.Length];
        }
    }
}
