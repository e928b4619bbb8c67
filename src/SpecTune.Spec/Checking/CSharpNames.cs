using System;
using System.Globalization;

namespace SpecTune.Spec
{
    /// <summary>C# identifier rules, so a spec's class name and namespace compile as written.</summary>
    internal static class CSharpNames
    {
        private static readonly string[] Keywords =
        {
            "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue",
            "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally",
            "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock",
            "long", "namespace", "new", "null", "object", "operator", "out", "override", "params", "private", "protected",
            "public", "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof", "stackalloc", "static", "string",
            "struct", "switch", "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort",
            "using", "virtual", "void", "volatile", "while",
        };

        // Contextual keywords: identifiers in most places, but a generated type of that name either does not compile
        // (record, required, file, scoped, extension, ...) or breaks code that uses the word (var, dynamic, nameof, ...).
        private static readonly string[] ContextualKeywords =
        {
            "add", "allows", "alias", "and", "args", "ascending", "async", "await", "by", "descending", "dynamic", "equals",
            "extension", "field", "file", "from", "get", "global", "group", "init", "into", "join", "let", "managed", "nameof",
            "nint", "not", "notnull", "nuint", "on", "or", "orderby", "partial", "record", "remove", "required", "scoped",
            "select", "set", "unmanaged", "value", "var", "when", "where", "with", "yield", "_",
        };

        /// <summary>A name the generated class can have: an identifier that is no keyword, contextual ones included.</summary>
        public static bool IsTypeName(string name) => IsIdentifier(name) && Array.IndexOf(ContextualKeywords, name) < 0;

        /// <summary>One dot-separated part of a namespace: an identifier other than `global` (which would mean the global alias).</summary>
        public static bool IsNamespacePart(string name) => IsIdentifier(name) && name != "global";

        public static bool IsIdentifier(string name)
        {
            if (name.Length == 0 || Array.IndexOf(Keywords, name) >= 0) return false;
            if (!IsStart(name[0])) return false;
            for (int i = 1; i < name.Length; i++)
                if (!IsPart(name[i])) return false;
            return true;
        }

        private static bool IsStart(char c) => c == '_' || char.IsLetter(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.LetterNumber;

        private static bool IsPart(char c)
        {
            if (IsStart(c) || char.IsDigit(c)) return true;
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            return category == UnicodeCategory.NonSpacingMark || category == UnicodeCategory.SpacingCombiningMark
                || category == UnicodeCategory.ConnectorPunctuation || category == UnicodeCategory.Format;
        }
    }
}
