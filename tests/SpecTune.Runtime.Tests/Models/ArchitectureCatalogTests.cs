using SpecTune.Models;
using SpecTune.Spec;

namespace SpecTune.Tests.Models;

/// <summary>
/// The generator checks group patterns at compile time against <see cref="ArchitectureCatalog"/>; these tests
/// hold the catalog to the real networks so that the two can never drift apart.
/// </summary>
public class ArchitectureCatalogTests
{
    private static readonly HeadSpec RichHead = new(null, EquatableArray.Create(
        new HeadLayerSpec(HeadLayerKind.Linear, 16, null), new HeadLayerSpec(HeadLayerKind.BatchNorm, null, null),
        new HeadLayerSpec(HeadLayerKind.Relu, null, null), new HeadLayerSpec(HeadLayerKind.Dropout, null, 0.1),
        new HeadLayerSpec(HeadLayerKind.Linear, 3, null), new HeadLayerSpec(HeadLayerKind.Softmax, null, null)));

    public static TheoryData<string, int[], int[]> Architectures => new()
    {
        { "mlp", new[] { 1, 6, 6 }, Array.Empty<int>() },
        { "mlp", new[] { 10 }, new[] { 7, 5, 3 } },
        { "cnn", new[] { 1, 16, 16 }, Array.Empty<int>() },
        { "cnn", new[] { 3, 16, 16 }, new[] { 4, 8, 12 } },
        { "resnet18", new[] { 3, 32, 32 }, Array.Empty<int>() },
        { "resnet34", new[] { 3, 32, 32 }, Array.Empty<int>() },
        { "resnet50", new[] { 3, 32, 32 }, Array.Empty<int>() },
    };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Catalog_names_equal_the_networks_named_parameters(string architecture, int[] input, int[] hidden)
    {
        var baseSpec = new BaseSpec(architecture, null, input.ToEquatableArray(), hidden.ToEquatableArray(), Strict: true);
        using var network = ModelZoo.Create(baseSpec, RichHead, input);
        var real = network.named_parameters().Select(p => p.name).ToList();

        var catalog = ArchitectureCatalog.ParameterNames(baseSpec, RichHead);

        Assert.NotNull(catalog);
        // Order is not part of the contract (patterns are matched as a set); names and their count are.
        Assert.Equal(real.Count, catalog!.Count);
        Assert.Equal(real.OrderBy(n => n, StringComparer.Ordinal), catalog.OrderBy(n => n, StringComparer.Ordinal));
        Assert.Equal(ArchitectureCatalog.HeadSlot, network.HeadSlot);
    }

    [Theory]
    [InlineData("conv1.*", "conv1.weight", true)]
    [InlineData("conv1.*", "layer1.0.conv1.weight", false)]
    [InlineData("layer?.0.*", "layer4.0.bn1.bias", true)]
    [InlineData("*.bias", "fc.0.bias", true)]
    [InlineData("layer*", "layer4.1.conv2.weight", true)]
    public void Catalog_globs_match_like_the_runtimes(string pattern, string name, bool expected)
    {
        Assert.Equal(expected, Glob.Matches(pattern, name));
        Assert.Equal(expected, new SpecTune.Freezing.GlobPattern(pattern).IsMatch(name));
    }
}
