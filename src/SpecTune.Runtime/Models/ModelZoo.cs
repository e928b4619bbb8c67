using SpecTune.Spec;

namespace SpecTune.Models;

/// <summary>The architectures a spec's `base.architecture` can name.</summary>
internal static class ModelZoo
{
    /// <summary>Zoo entry names.</summary>
    public static IReadOnlyList<string> Architectures => ArchitectureCatalog.Names;

    /// <summary>
    /// Builds the base architecture for samples of <paramref name="sampleShape"/> with the spec's new head in
    /// its slot. Weights are freshly initialised; pretrained weights are loaded afterwards by name.
    /// </summary>
    public static FineTuneNetwork Create(BaseSpec baseSpec, HeadSpec head, IReadOnlyList<int> sampleShape)
    {
        var arch = baseSpec.Architecture;
        // Widths, feature widths and the head slot come from the one catalogue the checker reads (ArchitectureCatalog).
        var widths = ArchitectureCatalog.Widths(baseSpec);
        int Features() => ArchitectureCatalog.FeatureWidth(baseSpec)
            ?? throw new ArgumentException($"{arch} needs at least one width in base.hidden.");
        return arch switch
        {
            "mlp" => new Mlp(sampleShape.Aggregate(1, (a, b) => a * b), widths, HeadBuilder.Build(head, Features())),
            "cnn" => new SmallCnn(Channels(arch, sampleShape), widths, HeadBuilder.Build(head, Features())),
            "resnet18" => new ResNet(18, Channels(arch, sampleShape), HeadBuilder.Build(head, Features())),
            "resnet34" => new ResNet(34, Channels(arch, sampleShape), HeadBuilder.Build(head, Features())),
            "resnet50" => new ResNet(50, Channels(arch, sampleShape), HeadBuilder.Build(head, Features())),
            _ => throw new ArgumentException(
                $"Unknown architecture '{arch}' (base.architecture); expected one of {string.Join(", ", Architectures)}."),
        };
    }

    private static int Channels(string arch, IReadOnlyList<int> shape) =>
        shape.Count == 3
            ? shape[0]
            : throw new ArgumentException($"{arch} takes images shaped [channels, height, width]; the data gives [{string.Join(", ", shape)}].");
}
