using System;
using System.Collections.Generic;
using System.Linq;
using YamlDotNet.RepresentationModel;

namespace SpecTune.Spec
{
    /// <summary>
    /// Reads one YAML mapping against the keys it may hold: unknown, duplicate and non-text keys are
    /// reported once, up front, and every value read is recorded in the source map under its spec path.
    /// </summary>
    internal sealed class MappingReader
    {
        private readonly ReadContext _context;
        private readonly Dictionary<string, (YamlScalarNode Key, YamlNode Value)> _entries =
            new Dictionary<string, (YamlScalarNode, YamlNode)>(StringComparer.Ordinal);

        /// <param name="context">The read in progress.</param>
        /// <param name="node">The mapping.</param>
        /// <param name="path">Spec path of the mapping; values are recorded under `path.key`.</param>
        /// <param name="display">How messages name the mapping, e.g. `'optimizer.adam'`; defaults to the path.</param>
        /// <param name="knownKeys">The keys this mapping may hold.</param>
        public MappingReader(ReadContext context, YamlMappingNode node, string path, string? display, params string[] knownKeys)
        {
            _context = context;
            Node = node;
            Path = path;
            Display = display ?? (path.Length == 0 ? "the spec" : "'" + path + "'");
            foreach (var entry in node.Children)
            {
                if (entry.Key is not YamlScalarNode key || ReadContext.IsNull(key))
                {
                    context.Report(SpecDiagnostics.WrongType, context.SpanOf(entry.Key), "a key in " + Display, "a name", ReadContext.Describe(entry.Key));
                    continue;
                }
                var name = key.Value ?? "";
                if (Array.IndexOf(knownKeys, name) < 0)
                {
                    context.Report(SpecDiagnostics.UnknownKey, context.SpanOf(key), name, Display, SpecDiagnostics.DidYouMeanSuffix(name, knownKeys));
                    continue;
                }
                // YamlDotNet rejects equal keys itself; `a` and `'a'` are different nodes to it but the same key here.
                if (_entries.ContainsKey(name))
                {
                    context.Fail(Child(name), SpecDiagnostics.DuplicateKey, context.SpanOf(key), name);
                    continue;
                }
                _entries.Add(name, (key, entry.Value));
            }
        }

        public YamlMappingNode Node { get; }

        public string Path { get; }

        public string Display { get; }

        public string Child(string key) => Path.Length == 0 ? key : Path + "." + key;

        public bool Has(string key) => _entries.ContainsKey(key);

        /// <summary>The span of the value of <paramref name="key"/>, or of this mapping when the key is absent.</summary>
        public SourceSpan ValueSpan(string key) =>
            _context.SpanOf(_entries.TryGetValue(key, out var entry) ? entry.Value : Node);

        /// <summary>The value of <paramref name="key"/>, recorded in the source map; null when absent or written as null.</summary>
        public YamlNode? Optional(string key)
        {
            if (!_entries.TryGetValue(key, out var entry)) return null;
            _context.Record(Child(key), entry.Value);
            return ReadContext.IsNull(entry.Value) ? null : entry.Value;
        }

        /// <summary>Like <see cref="Optional"/>, but absence is an error at this mapping and an explicit null an error at the value.</summary>
        public YamlNode? Required(string key, string expected)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                _context.Fail(Child(key), SpecDiagnostics.MissingRequired, _context.SpanOf(Node), key, Display);
                return null;
            }
            _context.Record(Child(key), entry.Value);
            if (ReadContext.IsNull(entry.Value))
            {
                _context.Fail(Child(key), SpecDiagnostics.WrongType, _context.SpanOf(entry.Value), Child(key), expected, "empty");
                return null;
            }
            return entry.Value;
        }

        public string? String(string key, bool required = false)
        {
            var node = required ? Required(key, "text") : Optional(key);
            return node is null ? null : Values.String(_context, node, Child(key));
        }

        public int? Int(string key, bool required = false, string expected = "a whole number")
        {
            var node = required ? Required(key, expected) : Optional(key);
            return node is null ? null : Values.Int(_context, node, Child(key), expected);
        }

        public double? Number(string key, bool required = false)
        {
            var node = required ? Required(key, "a number") : Optional(key);
            return node is null ? null : Values.Number(_context, node, Child(key));
        }

        public bool? Bool(string key)
        {
            var node = Optional(key);
            return node is null ? null : Values.Bool(_context, node, Child(key));
        }

        public T? Enum<T>(string key, NameTable<T> table, bool required = false) where T : struct
        {
            var node = required ? Required(key, "one of " + table.Names) : Optional(key);
            return node is null ? null : Values.Enum(_context, node, Child(key), table);
        }

        public EquatableArray<int> IntList(string key, bool required = false)
        {
            var node = required ? Required(key, "a list of whole numbers") : Optional(key);
            return node is null ? EquatableArray<int>.Empty : Values.List(_context, node, Child(key), "a list of whole numbers", (n, p) => Values.Int(_context, n, p, "a whole number"));
        }

        public EquatableArray<double> NumberList(string key, bool required = false)
        {
            var node = required ? Required(key, "a list of numbers") : Optional(key);
            return node is null ? EquatableArray<double>.Empty : Values.List(_context, node, Child(key), "a list of numbers", (n, p) => Values.Number(_context, n, p));
        }

        /// <summary>The nested mapping under <paramref name="key"/>, or null (with an error when it is not a mapping).</summary>
        public MappingReader? Mapping(string key, bool required, params string[] knownKeys)
        {
            var node = required ? Required(key, "a mapping") : Optional(key);
            if (node is null) return null;
            if (node is YamlMappingNode mapping) return new MappingReader(_context, mapping, Child(key), null, knownKeys);
            _context.Fail(Child(key), SpecDiagnostics.WrongType, _context.SpanOf(node), Child(key), "a mapping", ReadContext.Describe(node));
            return null;
        }
    }

    /// <summary>The kebab-case names of an enum's values, e.g. `binary-classification`.</summary>
    internal sealed class NameTable<T> where T : struct
    {
        private readonly (string Name, T Value)[] _entries;

        public NameTable(params (string Name, T Value)[] entries) => _entries = entries;

        public string Names => string.Join(", ", _entries.Select(e => e.Name));

        public IEnumerable<string> AllNames => _entries.Select(e => e.Name);

        public bool TryGet(string name, out T value)
        {
            foreach (var entry in _entries)
            {
                if (entry.Name == name)
                {
                    value = entry.Value;
                    return true;
                }
            }
            value = default;
            return false;
        }

        public string NameOf(T value)
        {
            foreach (var entry in _entries)
                if (EqualityComparer<T>.Default.Equals(entry.Value, value)) return entry.Name;
            return value.ToString();
        }
    }

    /// <summary>Typed reads of single values; each reports a wrong type at the value and returns null.</summary>
    internal static class Values
    {
        public static string? String(ReadContext context, YamlNode node, string path)
        {
            if (node is YamlScalarNode scalar && !ReadContext.IsNull(scalar)) return scalar.Value ?? "";
            WrongType(context, node, path, "text");
            return null;
        }

        public static int? Int(ReadContext context, YamlNode node, string path, string expected = "a whole number")
        {
            if (node is YamlScalarNode scalar && ReadContext.TryInt(scalar, out var value)) return value;
            WrongType(context, node, path, expected);
            return null;
        }

        public static double? Number(ReadContext context, YamlNode node, string path)
        {
            if (node is YamlScalarNode scalar && ReadContext.TryDouble(scalar, out var value)) return value;
            WrongType(context, node, path, "a number");
            return null;
        }

        public static bool? Bool(ReadContext context, YamlNode node, string path)
        {
            if (node is YamlScalarNode scalar && ReadContext.TryBool(scalar, out var value)) return value;
            WrongType(context, node, path, "true or false");
            return null;
        }

        public static T? Enum<T>(ReadContext context, YamlNode node, string path, NameTable<T> table) where T : struct
        {
            if (node is not YamlScalarNode scalar || ReadContext.IsNull(scalar))
            {
                WrongType(context, node, path, "one of " + table.Names);
                return null;
            }
            var name = scalar.Value ?? "";
            if (table.TryGet(name, out var value)) return value;
            context.Fail(path, SpecDiagnostics.InvalidValue, context.SpanOf(node), name, path, table.Names, SpecDiagnostics.DidYouMeanSuffix(name, table.AllNames));
            return null;
        }

        /// <summary>A list whose items are read by <paramref name="item"/> and recorded as `path[i]`; unreadable items are left out.</summary>
        public static EquatableArray<T> List<T>(ReadContext context, YamlNode node, string path, string expected, Func<YamlNode, string, T?> item) where T : struct
        {
            if (node is not YamlSequenceNode sequence)
            {
                WrongType(context, node, path, expected);
                return EquatableArray<T>.Empty;
            }
            var items = new List<T>();
            for (int i = 0; i < sequence.Children.Count; i++)
            {
                var itemPath = path + "[" + i + "]";
                context.Record(itemPath, sequence.Children[i]);
                // An unreadable item keeps its place (its path is marked unreliable), so that later
                // items keep the index their source-map path names.
                items.Add(item(sequence.Children[i], itemPath) ?? default);
            }
            return items.ToEquatableArray();
        }

        public static void WrongType(ReadContext context, YamlNode node, string path, string expected) =>
            context.Fail(path, SpecDiagnostics.WrongType, context.SpanOf(node), path, expected, ReadContext.Describe(node));
    }
}
