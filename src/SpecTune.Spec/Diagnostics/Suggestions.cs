using System;
using System.Collections.Generic;

namespace SpecTune.Spec
{
    /// <summary>
    /// "Did you mean" candidates by edit distance, so that a misspelt key or name is never just "unknown".
    /// Bounded work: words longer than <see cref="MaxLength"/> get no suggestion, candidates whose length differs
    /// by more than the allowed distance are skipped unmeasured, and the distance keeps three rows, not a matrix.
    /// </summary>
    internal static class Suggestions
    {
        /// <summary>The longest word that gets a suggestion (every key and name SpecTune knows is far shorter).</summary>
        public const int MaxLength = 64;

        /// <summary>The candidate nearest to <paramref name="actual"/>, or null when none is close enough to be a typo.</summary>
        public static string? Closest(string actual, IEnumerable<string> candidates)
        {
            if (actual.Length > MaxLength) return null;
            // Short words are only typos at distance 1 ("lr" is not a misspelling of "eps"); longer
            // ones tolerate about one edit in three letters.
            int allowed = Math.Max(1, Math.Min(3, actual.Length / 3));
            var lowered = actual.ToLowerInvariant();
            string? best = null;
            int bestDistance = int.MaxValue;
            foreach (var candidate in candidates)
            {
                // Each edit changes the length by at most one, so a larger difference cannot be within reach.
                if (Math.Abs(candidate.Length - actual.Length) > allowed) continue;
                int distance = Distance(lowered, candidate.ToLowerInvariant());
                if (distance < bestDistance)
                {
                    best = candidate;
                    bestDistance = distance;
                }
            }
            return best is not null && bestDistance <= allowed ? best : null;
        }

        /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions.</summary>
        /// <remarks>Memory is three rows of <paramref name="b"/>'s length, time len(a)·len(b).</remarks>
        public static int Distance(string a, string b)
        {
            var before = new int[b.Length + 1]; // row i-2, for transpositions
            var previous = new int[b.Length + 1];
            var current = new int[b.Length + 1];
            for (int j = 0; j <= b.Length; j++) previous[j] = j;
            for (int i = 1; i <= a.Length; i++)
            {
                current[0] = i;
                for (int j = 1; j <= b.Length; j++)
                {
                    int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                    int value = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                    if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                        value = Math.Min(value, before[j - 2] + 1);
                    current[j] = value;
                }
                var recycled = before;
                before = previous;
                previous = current;
                current = recycled;
            }
            return previous[b.Length];
        }
    }
}
