using System;
using System.Collections.Generic;
using System.Linq;

namespace SpecTune.Spec
{
    /// <summary>
    /// The parameter names of every zoo architecture, computed without building a network, so that the
    /// source generator can check group patterns at compile time (SPT0200-SPT0202). The runtime's test
    /// suite asserts that these names equal each real network's <c>named_parameters()</c>, so they cannot drift.
    /// </summary>
    public static class ArchitectureCatalog
    {
        /// <summary>The zoo's architectures, as `base.architecture` spells them; the checker, the grammar and the runtime's zoo read this list.</summary>
        public static string[] Names { get; } = { "mlp", "cnn", "resnet18", "resnet34", "resnet50" };

        /// <summary>The module every zoo architecture's new head sits in.</summary>
        public const string HeadSlot = "fc";

        /// <summary>The default hidden widths of the mlp (`hidden:` absent).</summary>
        public static IReadOnlyList<int> MlpDefaultWidths { get; } = new[] { 128, 64 };

        /// <summary>The default channel widths of the cnn (`hidden:` absent).</summary>
        public static IReadOnlyList<int> CnnDefaultWidths { get; } = new[] { 32, 64, 128 };

        /// <summary>The hidden (mlp) or channel (cnn) widths <paramref name="baseSpec"/> is built with: `hidden:`, else the entry's defaults; empty for the resnets.</summary>
        public static IReadOnlyList<int> Widths(BaseSpec baseSpec) => baseSpec.Architecture switch
        {
            "mlp" => baseSpec.Hidden.IsEmpty ? MlpDefaultWidths : baseSpec.Hidden.ToArray(),
            "cnn" => baseSpec.Hidden.IsEmpty ? CnnDefaultWidths : baseSpec.Hidden.ToArray(),
            _ => Array.Empty<int>(),
        };

        /// <summary>How many features the base hands to the head slot; null for an unknown architecture or empty widths.</summary>
        public static int? FeatureWidth(BaseSpec baseSpec)
        {
            switch (baseSpec.Architecture)
            {
                case "mlp":
                case "cnn":
                    var widths = Widths(baseSpec);
                    return widths.Count == 0 ? null : widths[widths.Count - 1];
                case "resnet18":
                case "resnet34":
                    return 512;
                case "resnet50":
                    return 2048;
                default:
                    return null;
            }
        }

        /// <summary>
        /// The full parameter names (base, then head) of <paramref name="baseSpec"/> with <paramref name="head"/>
        /// in its slot, or null when the architecture is unknown or its settings cannot build a network
        /// (those are reported by other checks, or by the runtime).
        /// </summary>
        public static IReadOnlyList<string>? ParameterNames(BaseSpec baseSpec, HeadSpec head)
        {
            var names = BaseParameterNames(baseSpec);
            if (names is null) return null;
            var all = new List<string>(names);
            for (int i = 0; i < head.Layers.Count; i++)
            {
                // The head is a Sequential whose children are named 0, 1, ...; only linear and batchnorm layers hold parameters.
                if (head.Layers[i].Kind is HeadLayerKind.Linear or HeadLayerKind.BatchNorm)
                {
                    all.Add(HeadSlot + "." + i + ".weight");
                    all.Add(HeadSlot + "." + i + ".bias");
                }
            }
            return all;
        }

        /// <summary>The base network's parameter names (no head), or null (see <see cref="ParameterNames"/>).</summary>
        public static IReadOnlyList<string>? BaseParameterNames(BaseSpec baseSpec)
        {
            var hidden = baseSpec.Hidden.IsEmpty ? null : baseSpec.Hidden.ToArray();
            switch (baseSpec.Architecture)
            {
                case "mlp":
                    return Mlp(hidden ?? MlpDefaultWidths);
                case "cnn":
                    var widths = hidden ?? CnnDefaultWidths;
                    return widths.Count == 3 ? Cnn() : null;
                case "resnet18": return ResNet(new[] { 2, 2, 2, 2 }, bottleneck: false);
                case "resnet34": return ResNet(new[] { 3, 4, 6, 3 }, bottleneck: false);
                case "resnet50": return ResNet(new[] { 3, 4, 6, 3 }, bottleneck: true);
                default: return null;
            }
        }

        private static List<string> Mlp(IReadOnlyList<int> widths)
        {
            // layers.{2i} is the i-th Linear, layers.{2i+1} its ReLU (no parameters).
            var names = new List<string>();
            for (int i = 0; i < widths.Count; i++)
            {
                names.Add("layers." + (2 * i) + ".weight");
                names.Add("layers." + (2 * i) + ".bias");
            }
            return names;
        }

        private static List<string> Cnn()
        {
            // Convolutions have no bias (each is followed by BatchNorm).
            var names = new List<string>();
            for (int i = 1; i <= 3; i++) names.Add("conv" + i + ".weight");
            for (int i = 1; i <= 3; i++)
            {
                names.Add("bn" + i + ".weight");
                names.Add("bn" + i + ".bias");
            }
            return names;
        }

        private static List<string> ResNet(int[] blocks, bool bottleneck)
        {
            var names = new List<string> { "conv1.weight", "bn1.weight", "bn1.bias" };
            int expansion = bottleneck ? 4 : 1;
            int convs = bottleneck ? 3 : 2;
            int inPlanes = 64;
            int[] planes = { 64, 128, 256, 512 };
            for (int layer = 0; layer < 4; layer++)
            {
                for (int block = 0; block < blocks[layer]; block++)
                {
                    var prefix = "layer" + (layer + 1) + "." + block + ".";
                    for (int c = 1; c <= convs; c++) names.Add(prefix + "conv" + c + ".weight");
                    for (int c = 1; c <= convs; c++)
                    {
                        names.Add(prefix + "bn" + c + ".weight");
                        names.Add(prefix + "bn" + c + ".bias");
                    }
                    int stride = layer == 0 ? 1 : 2;
                    // torchvision adds a projection to the first block of a stage when the shape changes.
                    if (block == 0 && (stride != 1 || inPlanes != planes[layer] * expansion))
                    {
                        names.Add(prefix + "downsample.0.weight");
                        names.Add(prefix + "downsample.1.weight");
                        names.Add(prefix + "downsample.1.bias");
                    }
                    inPlanes = planes[layer] * expansion;
                }
            }
            return names;
        }
    }
}
