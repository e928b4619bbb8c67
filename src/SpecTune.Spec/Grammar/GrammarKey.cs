using System;
using System.Collections.Generic;

namespace SpecTune.Spec
{
    /// <summary>The shape of a grammar key's value; <see cref="SchemaWriter"/> maps each to JSON Schema.</summary>
    public enum KeyType
    {
        /// <summary>A mapping of the keys whose paths continue this one.</summary>
        Mapping,
        /// <summary>A list of mappings; their keys continue the path with `[]`.</summary>
        MappingList,
        /// <summary>A name (when <see cref="GrammarKey.BareName"/>) or a one-key mapping from a name to its options; options are the child keys whose <see cref="GrammarKey.For"/> names it.</summary>
        OneKey,
        Integer,
        Number,
        Boolean,
        Text,
        /// <summary>A C# identifier that is no keyword (the generated class).</summary>
        TypeName,
        /// <summary>A dotted C# namespace.</summary>
        Namespace,
        /// <summary>A group or phase name (letters, digits, '_' and '-').</summary>
        MemberName,
        /// <summary>One of <see cref="GrammarKey.Allowed"/>.</summary>
        Choice,
        /// <summary>A list of <see cref="GrammarKey.Allowed"/> values.</summary>
        ChoiceList,
        IntegerList,
        NumberList,
        /// <summary>One text or a non-empty list of texts.</summary>
        TextOrList,
        /// <summary>A path, or `{images, labels}` for idx data.</summary>
        Source,
        /// <summary>Text or a 0-based integer (a CSV column).</summary>
        TextOrInteger,
        /// <summary>`head.layers`: bare layer names, `{linear: units}`, `{dropout: rate}`.</summary>
        HeadLayers,
        /// <summary>`groups`: group name to a glob or a list of globs.</summary>
        GroupMap,
        /// <summary>`base.rename`: old prefix to new prefix.</summary>
        RenameMap,
        /// <summary>`lr`: one number, or group name to number.</summary>
        RateMap,
    }

    /// <summary>One row of the grammar: a key path (list items as `[]`) and everything the front ends, schema and docs need to know about it.</summary>
    public sealed class GrammarKey
    {
        public GrammarKey(string path, KeyType type, string doc)
        {
            Path = path;
            Type = type;
            Doc = doc;
        }

        /// <summary>E.g. `data.batch-size`, `phases[].schedule.gamma`; option keys of one-key forms use the flat path the reader records.</summary>
        public string Path { get; }

        /// <summary>The last segment: the key as written in YAML.</summary>
        public string Name
        {
            get
            {
                var dot = Path.LastIndexOf('.');
                var name = dot < 0 ? Path : Path.Substring(dot + 1);
                return name.EndsWith("[]", StringComparison.Ordinal) ? name.Substring(0, name.Length - 2) : name;
            }
        }

        /// <summary>The path of the mapping holding this key ("" for the root).</summary>
        public string Parent
        {
            get
            {
                var dot = Path.LastIndexOf('.');
                return dot < 0 ? "" : Path.Substring(0, dot);
            }
        }

        public KeyType Type { get; }
        public string Doc { get; }
        public bool Required { get; internal set; }
        /// <summary>The default as written in YAML; null when absence means "none" or the key is required.</summary>
        public string? Default { get; internal set; }
        public IReadOnlyList<string> Allowed { get; internal set; } = Array.Empty<string>();
        /// <summary>For numbers and for the items of number lists.</summary>
        public ValueRange? Range { get; internal set; }
        public int? MinItems { get; internal set; }
        public int? MaxItems { get; internal set; }
        /// <summary>A regular expression the whole text must match.</summary>
        public string? Pattern { get; internal set; }
        /// <summary>For options of a one-key form: the names they belong to; empty for all.</summary>
        public IReadOnlyList<string> For { get; internal set; } = Array.Empty<string>();
        /// <summary>For <see cref="KeyType.OneKey"/>: a bare name is accepted.</summary>
        public bool BareName { get; internal set; }
        /// <summary>A sibling key that must not be given together with this one.</summary>
        public string? ExcludedWith { get; internal set; }
        /// <summary>For mappings: child keys of which exactly one must be given.</summary>
        public IReadOnlyList<string> OneOf { get; internal set; } = Array.Empty<string>();
        /// <summary>
        /// The attribute front end's members that carry this key, `Attribute.Member` (constructor parameters in lower
        /// case), comma-separated; "class" for the class's own name and namespace.
        /// </summary>
        public string Attribute { get; internal set; } = "";

        public override string ToString() => Path;
    }
}
