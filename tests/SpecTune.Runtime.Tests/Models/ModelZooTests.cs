using SpecTune.Models;
using SpecTune.Spec;
using static TorchSharp.torch;

namespace SpecTune.Tests.Models;

public class ModelZooTests
{
    private static HeadSpec Linear(int units) =>
        new(null, EquatableArray.Create(new HeadLayerSpec(HeadLayerKind.Linear, units, null)));

    private static BaseSpec Base(string architecture, params int[] hidden) =>
        new(architecture, null, EquatableArray<int>.Empty, hidden.ToEquatableArray(), Strict: true);

    [Theory]
    // torchvision's parameter counts with the 1000-class ImageNet head.
    [InlineData("resnet18", 11_689_512)]
    [InlineData("resnet34", 21_797_672)]
    [InlineData("resnet50", 25_557_032)]
    public void Resnets_have_torchvisions_parameter_counts(string architecture, long expected)
    {
        using var network = ModelZoo.Create(Base(architecture), Linear(1000), new[] { 3, 32, 32 });
        Assert.Equal(expected, network.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Resnet_parameter_and_buffer_names_follow_torchvision()
    {
        using var resnet18 = ModelZoo.Create(Base("resnet18"), Linear(10), new[] { 3, 32, 32 });
        var names = resnet18.state_dict().Keys.ToHashSet();
        foreach (var expected in new[]
                 {
                     "conv1.weight", "bn1.weight", "bn1.running_mean", "bn1.num_batches_tracked",
                     "layer1.0.conv1.weight", "layer1.1.bn2.running_var", "layer2.0.downsample.0.weight",
                     "layer2.0.downsample.1.bias", "layer4.1.conv2.weight", "fc.0.weight", "fc.0.bias",
                 })
            Assert.Contains(expected, names);
        Assert.DoesNotContain(names, n => n.StartsWith("layer1.0.downsample", StringComparison.Ordinal));

        using var resnet50 = ModelZoo.Create(Base("resnet50"), Linear(10), new[] { 3, 32, 32 });
        var names50 = resnet50.state_dict().Keys.ToHashSet();
        Assert.Contains("layer1.0.conv3.weight", names50);
        Assert.Contains("layer1.0.downsample.0.weight", names50); // 64 -> 256 channels
        Assert.Equal(new long[] { 10, 2048 }, resnet50.state_dict()["fc.0.weight"].shape);
    }

    [Theory]
    [InlineData("mlp", new[] { 1, 12, 12 }, 64)]
    [InlineData("cnn", new[] { 1, 28, 28 }, 128)]
    [InlineData("resnet18", new[] { 3, 28, 28 }, 512)]
    public void Every_architecture_runs_forward_and_backward_with_its_new_head(string architecture, int[] shape, int features)
    {
        using var network = ModelZoo.Create(Base(architecture), Linear(3), shape);
        Assert.Equal(features, network.FeatureCount);
        Assert.Equal("fc", network.HeadSlot);
        using var input = randn(new long[] { 4 }.Concat(shape.Select(s => (long)s)).ToArray());
        using var output = network.call(input);
        Assert.Equal(new long[] { 4, 3 }, output.shape);
        using var loss = output.square().mean();
        loss.backward();
        Assert.All(network.parameters(), p => Assert.NotNull(p.grad));
    }

    [Fact]
    public void Head_layers_are_built_in_order_in_the_slot()
    {
        var head = new HeadSpec(null, EquatableArray.Create(
            new HeadLayerSpec(HeadLayerKind.Linear, 16, null), new HeadLayerSpec(HeadLayerKind.BatchNorm, null, null),
            new HeadLayerSpec(HeadLayerKind.Gelu, null, null), new HeadLayerSpec(HeadLayerKind.Dropout, null, 0.2),
            new HeadLayerSpec(HeadLayerKind.Linear, 1, null), new HeadLayerSpec(HeadLayerKind.Sigmoid, null, null)));
        using var network = ModelZoo.Create(Base("mlp", 8), head, new[] { 5 });
        var names = network.named_parameters().Select(p => p.name).ToList();
        Assert.Equal(new[] { "layers.0.weight", "layers.0.bias", "fc.0.weight", "fc.0.bias", "fc.1.weight", "fc.1.bias", "fc.4.weight", "fc.4.bias" }, names);
        network.eval();
        using var output = network.call(randn(6, 5));
        Assert.True(output.ge(0).all().item<bool>() && output.le(1).all().item<bool>(), "a sigmoid head gives probabilities");
    }

    [Fact]
    public void A_shape_the_architecture_cannot_take_is_a_clear_error()
    {
        var error = Assert.Throws<ArgumentException>(() => ModelZoo.Create(Base("cnn"), Linear(2), new[] { 784 }));
        Assert.Contains("[channels, height, width]", error.Message);
        var unknown = Assert.Throws<ArgumentException>(() => ModelZoo.Create(Base("vgg16"), Linear(2), new[] { 3, 8, 8 }));
        Assert.Contains("mlp, cnn, resnet18, resnet34, resnet50", unknown.Message);
    }
}
