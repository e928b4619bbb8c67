using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace SpecTune.Generators.Emitting
{
    /// <summary>C# literals, culture-invariant and round-trip exact (the generated spec must equal the parsed one bit for bit).</summary>
    internal static class CSharpLiteral
    {
        public static string String(string? value)
        {
            if (value is null) return "null";
            var text = new StringBuilder(value.Length + 2).Append('"');
            foreach (var c in value)
            {
                switch (c)
                {
                    case '"': text.Append("\\\""); break;
                    case '\\': text.Append("\\\\"); break;
                    case '\n': text.Append("\\n"); break;
                    case '\r': text.Append("\\r"); break;
                    case '\t': text.Append("\\t"); break;
                    default:
                        // Control and line-separator characters would break the literal, lone surrogates the file's encoding: escape them.
                        if (char.IsControl(c) || c == '\u2028' || c == '\u2029' || char.IsSurrogate(c))
                            text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else
                            text.Append(c);
                        break;
                }
            }
            return text.Append('"').ToString();
        }

        public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

        public static string Int(int? value) => value is null ? "null" : Int(value.Value);

        public static string Double(double value)
        {
            if (double.IsNaN(value)) return "double.NaN";
            if (double.IsPositiveInfinity(value)) return "double.PositiveInfinity";
            if (double.IsNegativeInfinity(value)) return "double.NegativeInfinity";
            // "R" round-trips every double; a value that prints like an integer gets ".0" so it reads as a double.
            var text = value.ToString("R", CultureInfo.InvariantCulture);
            if (text.IndexOfAny(new[] { '.', 'E', 'e' }) < 0) text += ".0";
            return text;
        }

        public static string Double(double? value) => value is null ? "null" : Double(value.Value);

        public static string Bool(bool value) => value ? "true" : "false";

        public static string Enum<T>(T value) where T : struct => "global::SpecTune.Spec." + typeof(T).Name + "." + value;

        public static string Enum<T>(T? value) where T : struct => value is null ? "null" : Enum(value.Value);
    }
}
