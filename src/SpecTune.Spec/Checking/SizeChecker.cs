using System;
using System.Collections.Generic;
using System.Linq;

namespace SpecTune.Spec
{
    /// <summary>
    /// Sizes that are legal numbers but cannot be built: a sample of more than <see cref="MaxSampleValues"/> values
    /// (SPT0150) or a network of more than <see cref="MaxParameters"/> parameters (SPT0151). Counted in double
    /// precision, so no product wraps around (an Int32 product of [65536, 65536] is 0), before anything is allocated.
    /// </summary>
    internal static class SizeChecker
    {
        /// <summary>The most values one sample may hold (1 GiB of float32).</summary>
        public const double MaxSampleValues = 1 << 28;

        /// <summary>The most parameters a network may have (4 GB of float32 weights, before gradients and optimizer state).</summary>
        public const double MaxParameters = 1_000_000_000;

        // Parameter counts and feature widths of the fixed zoo backbones (torchvision's ResNets without their fc).
        private static readonly Dictionary<string, (double Parameters, int Features)> ResNets = new Dictionary<string, (double, int)>(StringComparer.Ordinal)
        {
            ["resnet18"] = (11_176_512, 512),
            ["resnet34"] = (21_284_672, 512),
            ["resnet50"] = (23_508_032, 2048),
        };

        public static IEnumerable<SpecDiagnostic> Check(FineTuneSpec spec, ICollection<string> unreliable)
        {
            if (unreliable.Contains("base.input") || unreliable.Contains("base.hidden") || unreliable.Contains("head.layers")) yield break;
            var input = spec.Base.Input;
            if (input.IsEmpty || input.Any(d => d <= 0)) yield break; // SPT0107/SPT0108, reported by SpecChecker
            double sample = input.Aggregate(1.0, (product, d) => product * d);
            if (sample > MaxSampleValues)
            {
                yield return SpecDiagnostics.SampleTooLarge.Create(spec.SourcePath, spec.Locations.Find("base.input"), sample, MaxSampleValues);
                yield break;
            }

            var (parameters, features, path) = Backbone(spec.Base, sample);
            if (parameters > MaxParameters)
            {
                yield return TooMany(spec, path, parameters);
                yield break;
            }
            for (int i = 0; i < spec.Head.Layers.Count; i++)
            {
                var layer = spec.Head.Layers[i];
                if (layer.Kind != HeadLayerKind.Linear || layer.Units is not { } units || units <= 0) continue;
                parameters += (double)features * units + units;
                features = units;
                if (parameters > MaxParameters)
                {
                    yield return TooMany(spec, "head.layers[" + i + "]", parameters);
                    yield break;
                }
            }
        }

        /// <summary>The base's parameter count, the width it hands the head, and the spec path that sets its size.</summary>
        private static (double Parameters, double Features, string Path) Backbone(BaseSpec spec, double sample)
        {
            if (ResNets.TryGetValue(spec.Architecture, out var resnet)) return (resnet.Parameters, resnet.Features, "base.architecture");
            var hidden = spec.Hidden.Where(w => w > 0).Select(w => (double)w).ToList();
            switch (spec.Architecture)
            {
                case "mlp":
                {
                    var widths = hidden.Count > 0 ? hidden : ArchitectureCatalog.MlpDefaultWidths.Select(w => (double)w).ToList();
                    double parameters = 0, inputs = sample;
                    foreach (var width in widths)
                    {
                        parameters += inputs * width + width;
                        inputs = width;
                    }
                    return (parameters, inputs, hidden.Count > 0 ? "base.hidden" : "base.input");
                }
                case "cnn":
                {
                    var widths = hidden.Count > 0 ? hidden : ArchitectureCatalog.CnnDefaultWidths.Select(w => (double)w).ToList();
                    double parameters = 0, channels = spec.Input[0];
                    foreach (var width in widths)
                    {
                        parameters += channels * width * 9 + 2 * width; // 3x3 convolution and its BatchNorm
                        channels = width;
                    }
                    return (parameters, channels, hidden.Count > 0 ? "base.hidden" : "base.input");
                }
                default:
                    // An ONNX base (or an unknown architecture, SPT0118): its own size is in the file; the head is still counted.
                    return (0, 1, "base");
            }
        }

        private static SpecDiagnostic TooMany(FineTuneSpec spec, string path, double parameters) =>
            SpecDiagnostics.TooManyParameters.Create(spec.SourcePath, spec.Locations.Find(path), parameters, MaxParameters);
    }
}
