using System.Threading;
using SpecTune.Spec;

namespace SpecTune.Generators.Parsing
{
    /// <summary>The YAML front end: one `*.spectune.yaml` AdditionalFile to a <see cref="ParsedSpec"/>.</summary>
    internal static class YamlSpecParser
    {
        public const string Extension = ".spectune.yaml";

        public static ParsedSpec Parse(string path, string text, CancellationToken cancellation)
        {
            cancellation.ThrowIfCancellationRequested();
            // The reader never throws and runs the checker itself; the finisher adds the architecture and member-name checks.
            var result = SpecYamlReader.Read(text, path);
            cancellation.ThrowIfCancellationRequested();
            return SpecFinisher.Finish(result.Spec, result.Diagnostics, "public");
        }
    }
}
