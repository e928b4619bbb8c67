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
            var parsed = SpecFinisher.Finish(result.Spec, result.Diagnostics, "public");
            // A spec the reader could not read at all may still name its class on a line of its own.
            return parsed.Model is null && parsed.Skeleton is null ? parsed with { Skeleton = SkeletonFacts.FromYaml(text) } : parsed;
        }
    }
}
