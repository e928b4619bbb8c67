using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace SpecTune.Build
{
    /// <summary>
    /// Decides by content whether a spec must train again: a fingerprint of SpecTune's version, the spec's hash (which
    /// ignores comments and formatting), the extra weights path and a SHA-256 of every other input file. A finished run
    /// writes the fingerprint to the stamp file; the spec is up to date while the stamp, the report and the weights
    /// agree. Timestamps only decide when a file's digest must be recomputed: a digest is reused from the cache file
    /// while the file's length and write time are unchanged.
    /// </summary>
    internal static class TrainingStamp
    {
        /// <summary>The fingerprint of a spec and its inputs; <paramref name="digestCache"/> is read and rewritten.</summary>
        public static string Fingerprint(string version, string specHash, string weightsOutput, string spec, IReadOnlyList<string> inputs, string digestCache)
        {
            var cached = ReadCache(digestCache);
            var cache = new StringBuilder();
            var text = new StringBuilder();
            text.Append("version=").Append(version).Append('\n');
            text.Append("spec-hash=").Append(specHash).Append('\n');
            text.Append("weights-output=").Append(weightsOutput).Append('\n');
            foreach (var input in inputs)
            {
                // The spec's own bytes are covered by its hash; comments and formatting must not retrain.
                if (string.Equals(Path.GetFullPath(input), spec, StringComparison.Ordinal)) continue;
                var file = new FileInfo(input);
                string digest;
                if (!file.Exists) digest = "missing";
                else
                {
                    var key = file.Length.ToString(CultureInfo.InvariantCulture) + "\t" + file.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture);
                    if (!cached.TryGetValue(input, out var entry) || entry.Key != key) entry = new KeyValuePair<string, string>(key, Digest(input));
                    digest = entry.Value;
                    cache.Append(entry.Value).Append('\t').Append(key).Append('\t').Append(input).Append('\n');
                }
                text.Append("input=").Append(input).Append('\t').Append(digest).Append('\n');
            }
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(digestCache))!);
            WriteAtomically(digestCache, cache.ToString());
            return Hex(Encoding.UTF8.GetBytes(text.ToString()));
        }

        /// <summary>True when the last finished run had this fingerprint and its outputs still exist.</summary>
        public static bool IsUpToDate(string stamp, string fingerprint, string report, string weights) =>
            File.Exists(stamp) && File.ReadAllText(stamp).Trim() == fingerprint
            && File.Exists(report) && (weights.Length == 0 || File.Exists(weights));

        /// <summary>Records a finished run (never a half-written stamp).</summary>
        public static void Write(string stamp, string fingerprint) => WriteAtomically(stamp, fingerprint + "\n");

        /// <summary>DIGEST \t LENGTH \t TICKS \t PATH lines; a malformed line is ignored (its file is hashed again).</summary>
        private static Dictionary<string, KeyValuePair<string, string>> ReadCache(string path)
        {
            var entries = new Dictionary<string, KeyValuePair<string, string>>(StringComparer.Ordinal);
            if (!File.Exists(path)) return entries;
            foreach (var line in File.ReadAllLines(path))
            {
                var parts = line.Split(new[] { '\t' }, 4);
                if (parts.Length == 4 && parts[0].Length == 64) entries[parts[3]] = new KeyValuePair<string, string>(parts[1] + "\t" + parts[2], parts[0]);
            }
            return entries;
        }

        private static string Digest(string path)
        {
            using var stream = File.OpenRead(path);
            using var sha = SHA256.Create();
            return ToHex(sha.ComputeHash(stream));
        }

        private static string Hex(byte[] bytes)
        {
            using var sha = SHA256.Create();
            return ToHex(sha.ComputeHash(bytes));
        }

        private static string ToHex(byte[] hash) => BitConverter.ToString(hash).Replace("-", "").ToLowerInvariant();

        private static void WriteAtomically(string path, string text)
        {
            var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            File.WriteAllText(temporary, text);
            if (File.Exists(path)) File.Replace(temporary, path, null);
            else File.Move(temporary, path);
        }
    }
}
