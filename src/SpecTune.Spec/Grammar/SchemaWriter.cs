using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace SpecTune.Spec
{
    /// <summary>
    /// Writes schemas/spectune.schema.json (JSON Schema Draft 7) from <see cref="SpecGrammar"/>. Optional keys also
    /// accept null (YAML's `~`, "not given"); list lengths sit beside the item schema, never beside a $ref.
    /// </summary>
    public static class SchemaWriter
    {
        // C# identifier characters (as CSharpNames checks them), for the editor; keywords are left to the checker.
        private const string IdentifierStart = "[\\p{L}\\p{Nl}_]";
        private const string IdentifierPart = "[\\p{L}\\p{Nl}\\p{Nd}\\p{Mn}\\p{Mc}\\p{Pc}\\p{Cf}]";
        private const string Identifier = IdentifierStart + IdentifierPart + "*";

        public static string Write()
        {
            var root = Object(
                ("$schema", "http://json-schema.org/draft-07/schema#"),
                ("$id", "https://spectune.dev/schemas/spectune.schema.json"),
                ("title", "SpecTune fine-tuning spec (spectune: 1)"),
                ("description", "A *.spectune.yaml file, generated from the grammar table (SpecGrammar). docs/spec.md is the reference; the SpecTune generator and runtime check everything here and more (group patterns against the architecture, rates against trained groups, the loss against the task)."));
            Mapping(root, "");
            var text = new StringBuilder();
            WriteValue(text, root, 0);
            return text.Append('\n').ToString();
        }

        private static List<(string Key, object? Value)> Object(params (string, object?)[] members) => members.ToList();

        private static void Mapping(List<(string, object?)> target, string path, string? kind = null)
        {
            var children = SpecGrammar.ChildrenOf(path, kind);
            target.Add(("type", "object"));
            target.Add(("additionalProperties", false));
            var required = children.Where(c => c.Required).Select(c => (object?)c.Name).ToList();
            if (required.Count > 0) target.Add(("required", required));
            var key = SpecGrammar.Find(path);
            if (key is { OneOf.Count: > 0 })
                target.Add(("oneOf", key.OneOf.Select(name => (object?)Object(("required", new List<object?> { name }))).ToList()));
            foreach (var excluded in children.Where(c => c.ExcludedWith is not null))
                target.Add(("not", Object(("required", new List<object?> { excluded.ExcludedWith, excluded.Name }))));
            target.Add(("properties", children.Select(c => (c.Name, (object?)Key(c))).ToList()));
        }

        private static object Key(GrammarKey key)
        {
            var body = Object();
            Body(body, key);
            if (!key.Required) body = OrNull(body);
            var schema = Object(("description", key.Doc));
            schema.AddRange(body);
            if (key.Default is { } value) schema.Add(("default", DefaultValue(key, value)));
            return schema;
        }

        /// <summary>An optional key also takes null: `"type": [t, "null"]`, an enum with null, or an anyOf.</summary>
        private static List<(string Key, object? Value)> OrNull(List<(string Key, object? Value)> body)
        {
            var type = body.FindIndex(m => m.Key == "type");
            var enumeration = body.FindIndex(m => m.Key == "enum");
            if (type >= 0 && body[type].Value is string single && !body.Any(m => m.Key is "oneOf" or "anyOf"))
            {
                body[type] = ("type", new List<object?> { single, "null" });
                return body;
            }
            if (enumeration >= 0 && body.Count == 1)
            {
                body[enumeration] = ("enum", ((List<object?>)body[enumeration].Value!).Concat(new object?[] { null }).ToList());
                return body;
            }
            return Object(("anyOf", new List<object?> { body, Object(("type", "null")) }));
        }

        private static void Body(List<(string, object?)> s, GrammarKey key)
        {
            switch (key.Type)
            {
                case KeyType.Mapping: Mapping(s, key.Path); break;
                case KeyType.MappingList:
                    s.Add(("type", "array"));
                    if (key.MinItems is { } min) s.Add(("minItems", min));
                    var item = Object();
                    Mapping(item, key.Path + "[]");
                    s.Add(("items", item));
                    break;
                case KeyType.OneKey: OneKey(s, key); break;
                case KeyType.Integer:
                    if (key.Allowed.Count > 0) s.Add(("enum", key.Allowed.Select(a => (object?)int.Parse(a, CultureInfo.InvariantCulture)).ToList()));
                    else Scalar(s, "integer", key.Range);
                    break;
                case KeyType.Number: Scalar(s, "number", key.Range); break;
                case KeyType.Boolean: s.Add(("type", "boolean")); break;
                case KeyType.Text:
                    s.Add(("type", "string"));
                    if (key.Pattern is { } pattern) s.Add(("pattern", pattern));
                    break;
                case KeyType.TypeName: s.Add(("type", "string")); s.Add(("pattern", "^" + Identifier + "$")); break;
                case KeyType.Namespace: s.Add(("type", "string")); s.Add(("pattern", "^" + Identifier + "(\\." + Identifier + ")*$")); break;
                case KeyType.MemberName: s.Add(("type", "string")); s.Add(("pattern", SpecGrammar.NamePattern)); break;
                case KeyType.Choice: s.Add(("enum", key.Allowed.Select(a => (object?)a).ToList())); break;
                case KeyType.ChoiceList: List(s, Object(("enum", key.Allowed.Select(a => (object?)a).ToList())), key); break;
                case KeyType.IntegerList: List(s, Scalar(Object(), "integer", key.Range), key); break;
                case KeyType.NumberList: List(s, Scalar(Object(), "number", key.Range), key); break;
                case KeyType.TextOrList: s.Add(("oneOf", new List<object?> { TextOrList()[0], TextOrList()[1] })); break;
                case KeyType.TextOrInteger: s.Add(("type", new List<object?> { "string", "integer" })); break;
                case KeyType.Source:
                    s.Add(("oneOf", new List<object?>
                    {
                        Object(("type", "string")),
                        Object(("type", "object"), ("additionalProperties", false), ("required", new List<object?> { "images", "labels" }),
                            ("properties", Object(("images", Object(("type", "string"))), ("labels", Object(("type", "string")))))),
                    }));
                    break;
                case KeyType.HeadLayers:
                    var bare = SpecNames.BareLayers.AllNames.Select(n => (object?)n).ToList();
                    s.Add(("type", "array"));
                    s.Add(("minItems", 1));
                    s.Add(("items", Object(("oneOf", new List<object?>
                    {
                        Object(("enum", bare)),
                        OneProperty("linear", Scalar(Object(), "integer", ValueRanges.AtLeastOne)),
                        OneProperty("dropout", Scalar(Object(), "number", ValueRanges.Dropout)),
                    }))));
                    break;
                case KeyType.GroupMap:
                    s.Add(("type", "object"));
                    s.Add(("propertyNames", Object(("pattern", SpecGrammar.NamePattern), ("not", Object(("enum", new List<object?> { "head", "base" }))))));
                    s.Add(("additionalProperties", Object(("oneOf", TextOrList()))));
                    break;
                case KeyType.RenameMap: s.Add(("type", "object")); s.Add(("additionalProperties", Object(("type", "string")))); break;
                case KeyType.RateMap:
                    s.Add(("oneOf", new List<object?>
                    {
                        Scalar(Object(), "number", key.Range),
                        Object(("type", "object"), ("additionalProperties", Scalar(Object(), "number", key.Range))),
                    }));
                    break;
                default: throw new InvalidOperationException("No schema for " + key.Type);
            }
        }

        private static void OneKey(List<(string, object?)> s, GrammarKey key)
        {
            var kinds = Object();
            foreach (var kind in key.Allowed)
            {
                var options = SpecGrammar.ChildrenOf(key.Path, kind);
                var body = Object();
                Mapping(body, key.Path, kind);
                // A kind whose options are all optional may be written without them (`{mse: }`).
                kinds.Add((kind, options.Any(o => o.Required) ? body : OrNull(body)));
            }
            var mapping = Object(("type", "object"), ("additionalProperties", false), ("minProperties", 1), ("maxProperties", 1), ("properties", kinds));
            if (!key.BareName)
            {
                s.AddRange(mapping);
                return;
            }
            s.Add(("oneOf", new List<object?> { Object(("enum", key.Allowed.Select(a => (object?)a).ToList())), mapping }));
        }

        private static List<object?> TextOrList() => new List<object?>
        {
            Object(("type", "string")),
            Object(("type", "array"), ("items", Object(("type", "string"))), ("minItems", 1)),
        };

        private static object OneProperty(string name, object value) =>
            Object(("type", "object"), ("additionalProperties", false), ("required", new List<object?> { name }), ("properties", Object((name, value))));

        private static void List(List<(string, object?)> s, object items, GrammarKey key)
        {
            s.Add(("type", "array"));
            s.Add(("items", items));
            if (key.MinItems is { } min) s.Add(("minItems", min));
            if (key.MaxItems is { } max) s.Add(("maxItems", max));
        }

        private static List<(string, object?)> Scalar(List<(string, object?)> s, string type, ValueRange? range)
        {
            s.Add(("type", type));
            if (range is null) return s;
            if (range.Min is { } min) s.Add((range.MinExclusive ? "exclusiveMinimum" : "minimum", min));
            if (range.Max is { } max) s.Add((range.MaxExclusive ? "exclusiveMaximum" : "maximum", max));
            return s;
        }

        private static object? DefaultValue(GrammarKey key, string yaml) => key.Type switch
        {
            KeyType.Boolean => yaml == "true",
            KeyType.Integer => int.Parse(yaml, CultureInfo.InvariantCulture),
            KeyType.Number => double.Parse(yaml, CultureInfo.InvariantCulture),
            KeyType.NumberList => yaml.Trim('[', ']').Split(',').Select(v => (object?)double.Parse(v, CultureInfo.InvariantCulture)).ToList(),
            _ => yaml,
        };

        private static void WriteValue(StringBuilder text, object? value, int depth)
        {
            switch (value)
            {
                case null: text.Append("null"); break;
                case bool b: text.Append(b ? "true" : "false"); break;
                case int i: text.Append(i.ToString(CultureInfo.InvariantCulture)); break;
                case double d: text.Append(d.ToString("R", CultureInfo.InvariantCulture)); break;
                case string str: WriteString(text, str); break;
                case List<(string Key, object? Value)> members:
                    if (members.Count == 0) { text.Append("{}"); break; }
                    text.Append("{\n");
                    for (int m = 0; m < members.Count; m++)
                    {
                        text.Append(' ', 2 * (depth + 1));
                        WriteString(text, members[m].Key);
                        text.Append(": ");
                        WriteValue(text, members[m].Value, depth + 1);
                        text.Append(m + 1 < members.Count ? ",\n" : "\n");
                    }
                    text.Append(' ', 2 * depth).Append('}');
                    break;
                case List<object?> items:
                    // Lists of scalars on one line; lists of schemas one per line.
                    if (items.All(x => x is not List<(string, object?)>))
                    {
                        text.Append('[');
                        for (int i = 0; i < items.Count; i++)
                        {
                            if (i > 0) text.Append(", ");
                            WriteValue(text, items[i], depth);
                        }
                        text.Append(']');
                        break;
                    }
                    text.Append("[\n");
                    for (int i = 0; i < items.Count; i++)
                    {
                        text.Append(' ', 2 * (depth + 1));
                        WriteValue(text, items[i], depth + 1);
                        text.Append(i + 1 < items.Count ? ",\n" : "\n");
                    }
                    text.Append(' ', 2 * depth).Append(']');
                    break;
                default: throw new InvalidOperationException("Cannot write " + value.GetType());
            }
        }

        private static void WriteString(StringBuilder text, string value)
        {
            text.Append('"');
            foreach (var c in value)
            {
                switch (c)
                {
                    case '"': text.Append("\\\""); break;
                    case '\\': text.Append("\\\\"); break;
                    case '\n': text.Append("\\n"); break;
                    default:
                        if (c < ' ') text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else text.Append(c);
                        break;
                }
            }
            text.Append('"');
        }
    }
}
