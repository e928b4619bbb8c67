using System.Text;
using System.Text.RegularExpressions;
using Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SpecTune.Onnx;

/// <summary>How imported initializers and nodes are named: numbered exporter names become the using node's name and
/// role, clashes are resolved, and unknown names get a suggestion.</summary>
internal sealed partial class OnnxGraph
{
    // Exporters that number their tensors: CNTK (Parameter91, Constant98), PyTorch (onnx::MatMul_123, 925).
    [GeneratedRegex(@"^((Parameter|Constant)\d+|\d+|onnx::.*)$")]
    private static partial Regex NumberedName();

    private static bool IsNumbered(string name) => NumberedName().IsMatch(name);

    private string DerivedName(string initializer)
    {
        var node = _nodes.First(n => n.Input.Contains(initializer));
        int index = node.Input.IndexOf(initializer);
        var role = (node.OpType, index) switch
        {
            ("Conv" or "ConvTranspose" or "Gemm" or "LayerNormalization", 1) => "weight",
            ("Conv" or "ConvTranspose" or "Gemm" or "LayerNormalization", 2) => "bias",
            ("MatMul", 1) => "weight",
            ("Add", _) => "bias",
            ("Mul", _) => "scale",
            _ => "input" + index,
        };
        return NodeName(node) + "." + role;
    }

    private string NodeName(NodeProto node) => node.Name.Length > 0 ? node.Name : node.OpType + "_" + _nodes.IndexOf(node);

    private static string? CommonModulePrefix(string[] stats)
    {
        string[] roles = [".weight", ".bias", ".running_mean", ".running_var"];
        if (!stats.Select((s, i) => s.EndsWith(roles[i], StringComparison.Ordinal)).All(b => b)) return null;
        var prefixes = stats.Select((s, i) => s[..^roles[i].Length]).Distinct().ToList();
        return prefixes.Count == 1 && !IsNumbered(stats[0]) ? prefixes[0] : null;
    }

    private static string Suggest(string name, IEnumerable<string> candidates)
    {
        var close = candidates.Where(c => c.Length > 0)
            .Select(c => (c, d: Levenshtein(name, c))).Where(x => x.d <= Math.Max(2, name.Length / 3)).OrderBy(x => x.d).Select(x => x.c).Take(3).ToList();
        return close.Count > 0 ? $"; did you mean {string.Join(", ", close.Select(c => "'" + c + "'"))}?" : "";
    }

    private static int Levenshtein(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int previous = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int current = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }
        return row[b.Length];
    }

    /// <summary>Module names: segments of letters, digits, '_' and '-', unique, never both a leaf and a prefix.</summary>
    private sealed class ModuleNames
    {
        private readonly HashSet<string> _leaves = new(StringComparer.Ordinal);
        private readonly HashSet<string> _prefixes = new(StringComparer.Ordinal);

        public string Reserve(string wanted)
        {
            var segments = wanted.Split('.', StringSplitOptions.RemoveEmptyEntries).Select(Clean).ToList();
            if (segments.Count == 0) segments.Add("t");
            for (int attempt = 0; ; attempt++)
            {
                var candidate = segments.ToList();
                if (attempt > 0) candidate[^1] += "_" + attempt;
                var path = string.Join(".", candidate);
                var prefixes = Enumerable.Range(1, candidate.Count - 1).Select(k => string.Join(".", candidate.Take(k))).ToList();
                if (_leaves.Contains(path) || _prefixes.Contains(path) || prefixes.Any(_leaves.Contains)) continue;
                _leaves.Add(path);
                foreach (var p in prefixes) _prefixes.Add(p);
                return path;
            }
        }

        private static string Clean(string segment)
        {
            var sb = new StringBuilder(segment.Length);
            foreach (var c in segment) sb.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_');
            return sb.ToString();
        }
    }

    /// <summary>A named container for initializers whose names have dots.</summary>
    private sealed class OnnxScope(string name) : nn.Module(name);
}
