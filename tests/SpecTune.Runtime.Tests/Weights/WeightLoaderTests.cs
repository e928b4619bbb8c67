using SpecTune.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Tests.Weights;

public sealed class WeightLoaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>A tiny backbone with BatchNorm buffers and a head named like torchvision's.</summary>
    private static nn.Module<Tensor, Tensor> Net(int classes, int seed)
    {
        torch.manual_seed(seed);
        return nn.Sequential(
            ("conv1", nn.Conv2d(3, 4, 3)),
            ("bn1", nn.BatchNorm2d(4)),
            ("fc", nn.Linear(4, classes)));
    }

    private static void Dispose(Dictionary<string, Tensor> tensors)
    {
        foreach (var t in tensors.Values)
            t.Dispose();
    }

    private static SpecTune.Models.FineTuneNetwork ZooNet(params SpecTune.Spec.HeadLayerSpec[] head)
    {
        torch.manual_seed(3);
        var baseSpec = new SpecTune.Spec.BaseSpec("mlp", null, new SpecTune.Spec.EquatableArray<int>([16]), new SpecTune.Spec.EquatableArray<int>([8]), true);
        return SpecTune.Models.ModelZoo.Create(baseSpec, new SpecTune.Spec.HeadSpec(null, new SpecTune.Spec.EquatableArray<SpecTune.Spec.HeadLayerSpec>(head)), [16]);
    }

    private static SpecTune.Spec.HeadLayerSpec Linear(int units) => new(SpecTune.Spec.HeadLayerKind.Linear, units, null);

    [Fact]
    public void A_one_layer_head_is_saved_under_torchvision_names_and_both_names_load()
    {
        using var net = ZooNet(Linear(3));
        var path = _folder.File("net.safetensors");
        WeightLoader.SaveModule(path, net);
        using (var file = SafeTensors.Read(path))
        {
            Assert.Contains("fc.weight", file.Names);
            Assert.Contains("fc.bias", file.Names);
            Assert.DoesNotContain(file.Names, n => n.StartsWith("fc.0.", StringComparison.Ordinal));
        }
        using var fresh = ZooNet(Linear(3));
        Assert.True(WeightLoader.LoadFile(fresh, path).IsExact);
        Assert.True(fresh.named_parameters().Single(p => p.name == "fc.0.weight").parameter.allclose(net.named_parameters().Single(p => p.name == "fc.0.weight").parameter, 0, 0));

        // Files written before (fc.0.*) still load strictly.
        var state = WeightLoader.StateOf(net);
        try { Assert.True(WeightLoader.Load(ZooNet(Linear(3)), state).IsExact); } finally { Dispose(state); }
    }

    [Fact]
    public void A_head_of_several_layers_keeps_its_layer_indices()
    {
        using var net = ZooNet(Linear(4), new SpecTune.Spec.HeadLayerSpec(SpecTune.Spec.HeadLayerKind.Relu, null, null), Linear(2));
        var path = _folder.File("net.safetensors");
        WeightLoader.SaveModule(path, net);
        using var file = SafeTensors.Read(path);
        Assert.Contains("fc.0.weight", file.Names);
        Assert.Contains("fc.2.weight", file.Names);
    }

    [Fact]
    public void A_state_dict_without_num_batches_tracked_loads_strictly_as_in_PyTorch()
    {
        using var net = Net(3, 1);
        var state = WeightLoader.StateOf(Net(3, 2));
        try
        {
            state.Remove("bn1.num_batches_tracked", out var counter);
            counter!.Dispose();
            var report = WeightLoader.Load(net, state);
            Assert.True(report.IsExact, string.Join("; ", report.Warnings));
            Assert.DoesNotContain("bn1.num_batches_tracked", report.Loaded);

            // Only that omission: a missing running mean still fails a strict load.
            state.Remove("bn1.running_mean", out var mean);
            mean!.Dispose();
            var error = Assert.Throws<WeightLoadException>(() => WeightLoader.Load(net, state));
            Assert.Equal(["bn1.running_mean"], error.Report.Missing);
        }
        finally
        {
            Dispose(state);
        }
    }

    [Fact]
    public void When_every_name_differs_by_one_prefix_the_error_says_so_and_suggests_the_rename()
    {
        using var net = Net(3, 1);
        var state = WeightLoader.StateOf(Net(3, 2));
        var prefixed = state.ToDictionary(e => "module." + e.Key, e => e.Value);
        try
        {
            var error = Assert.Throws<WeightLoadException>(() => WeightLoader.Load(net, prefixed));
            Assert.Contains("every name in the weights starts with 'module.', which the model's names lack", error.Message);
            Assert.Contains("base.rename { \"module.\": \"\" }", error.Message);

            // A mismatch that no single prefix explains gets no such hint.
            var other = Assert.Throws<WeightLoadException>(() => WeightLoader.Load(net, prefixed.ToDictionary(e => e.Key.Replace("module.fc", "head", StringComparison.Ordinal), e => e.Value)));
            Assert.DoesNotContain("every name in the weights", other.Message);
        }
        finally
        {
            Dispose(state);
        }
    }

    [Fact]
    public void StateOf_holds_parameters_and_batchnorm_buffers_as_independent_copies()
    {
        using var net = Net(3, 1);
        var state = WeightLoader.StateOf(net);
        try
        {
            Assert.Equal(
                new[] { "bn1.bias", "bn1.num_batches_tracked", "bn1.running_mean", "bn1.running_var", "bn1.weight", "conv1.bias", "conv1.weight", "fc.bias", "fc.weight" },
                state.Keys.Order(StringComparer.Ordinal));
            Assert.False(state["fc.weight"].requires_grad);
            using (no_grad())
                net.named_parameters().Single(p => p.name == "fc.weight").parameter.add_(1);
            var live = net.named_parameters().Single(p => p.name == "fc.weight").parameter;
            Assert.False(TensorAssert.Identical(live.detach(), state["fc.weight"]));
        }
        finally
        {
            Dispose(state);
        }
    }

    [Fact]
    public void A_saved_module_loads_into_a_fresh_one_with_buffers()
    {
        var path = _folder.File("net.safetensors");
        using var source = Net(3, 1);
        // Make the running statistics differ from their initial values.
        source.train();
        using (var x = randn(8, 3, 6, 6))
        using (source.call(x)) { }
        WeightLoader.SaveModule(path, source, new Dictionary<string, string> { ["architecture"] = "tiny" });

        using var target = Net(3, 2);
        var report = WeightLoader.LoadFile(target, path);

        Assert.True(report.IsExact);
        Assert.Equal(9, report.Loaded.Count);
        var expected = WeightLoader.StateOf(source);
        var actual = WeightLoader.StateOf(target);
        try
        {
            Assert.Equal(1L, actual["bn1.num_batches_tracked"].item<long>());
            foreach (var (name, tensor) in expected)
                Assert.True(TensorAssert.Identical(tensor, actual[name]), $"'{name}' differs after loading");
        }
        finally
        {
            Dispose(expected);
            Dispose(actual);
        }
        using var file = SafeTensors.Read(path);
        Assert.Equal("tiny", file.Metadata["architecture"]);
    }

    [Fact]
    public void A_strict_load_lists_missing_unexpected_and_mismatched_names_together_and_changes_nothing()
    {
        using var source = Net(10, 1);
        var weights = WeightLoader.StateOf(source);
        weights.Remove("conv1.bias", out var removed);
        removed!.Dispose();
        weights["extra.weight"] = ones(2);
        using var target = Net(2, 2);
        var before = WeightLoader.StateOf(target);
        try
        {
            var error = Assert.Throws<WeightLoadException>(() => WeightLoader.Load(target, weights, source: "resnet.safetensors"));

            Assert.Equal(new[] { "conv1.bias" }, error.Report.Missing);
            Assert.Equal(new[] { "extra.weight" }, error.Report.Unexpected);
            Assert.Equal(new[] { "fc.bias: module [2], weights [10]", "fc.weight: module [2, 4], weights [10, 4]" },
                error.Report.Mismatched.Select(m => m.ToString()));
            Assert.StartsWith("resnet.safetensors: the weights do not fit the model (1 missing, 1 unexpected, 2 shape mismatches)", error.Message);
            Assert.Contains("missing from the weights: conv1.bias", error.Message);
            Assert.Contains("not in the model: extra.weight", error.Message);
            Assert.Contains("shape mismatch: fc.weight: module [2, 4], weights [10, 4]", error.Message);

            var after = WeightLoader.StateOf(target);
            try
            {
                foreach (var (name, tensor) in before)
                    Assert.True(TensorAssert.Identical(tensor, after[name]), $"'{name}' changed although the load failed");
            }
            finally
            {
                Dispose(after);
            }
        }
        finally
        {
            Dispose(weights);
            Dispose(before);
        }
    }

    [Fact]
    public void Skip_prefixes_leave_a_replaced_head_out_of_the_check()
    {
        using var source = Net(10, 1);
        var weights = WeightLoader.StateOf(source);
        using var target = Net(2, 2);
        using var headBefore = target.named_parameters().Single(p => p.name == "fc.weight").parameter.detach().clone();
        try
        {
            var report = WeightLoader.Load(target, weights, new WeightLoadOptions { SkipPrefixes = ["fc"] });

            Assert.True(report.IsExact);
            Assert.Equal(new[] { "fc.bias", "fc.weight" }, report.Skipped);
            Assert.DoesNotContain("fc.weight", report.Loaded);
            Assert.True(TensorAssert.Identical(headBefore, target.named_parameters().Single(p => p.name == "fc.weight").parameter.detach()));
            Assert.True(TensorAssert.Identical(weights["conv1.weight"], target.named_parameters().Single(p => p.name == "conv1.weight").parameter.detach()));
        }
        finally
        {
            Dispose(weights);
        }
    }

    [Theory]
    [InlineData("fc", "fc.weight", true)]
    [InlineData("fc", "fc", true)]
    [InlineData("fc", "fc2.weight", false)]
    [InlineData("fc.", "fc.weight", true)]
    [InlineData("layer4.1.", "layer4.1.conv1.weight", true)]
    [InlineData("layer4.1.", "layer4.10.conv1.weight", false)]
    public void A_skip_prefix_matches_whole_name_segments_unless_it_ends_in_a_dot(string prefix, string name, bool skipped) =>
        Assert.Equal(skipped, new WeightLoadOptions { SkipPrefixes = [prefix] }.IsSkipped(name));

    [Fact]
    public void A_non_strict_load_loads_what_fits_and_warns_about_the_rest()
    {
        using var source = Net(10, 1);
        var weights = WeightLoader.StateOf(source);
        weights["extra.weight"] = ones(2);
        using var target = Net(2, 2);
        try
        {
            var report = WeightLoader.Load(target, weights, new WeightLoadOptions { Strict = false });

            Assert.False(report.IsExact);
            Assert.Contains("conv1.weight", report.Loaded);
            Assert.DoesNotContain("fc.weight", report.Loaded);
            Assert.Equal(new[]
            {
                "not in the model: extra.weight (ignored)",
                "shape mismatch: fc.bias: module [2], weights [10] (left as initialised)",
                "shape mismatch: fc.weight: module [2, 4], weights [10, 4] (left as initialised)",
            }, report.Warnings);
            Assert.True(TensorAssert.Identical(weights["bn1.running_var"], target.named_buffers().Single(b => b.name == "bn1.running_var").buffer));
        }
        finally
        {
            Dispose(weights);
        }
    }

    [Fact]
    public void A_name_map_translates_file_names_and_dtypes_are_converted()
    {
        using var source = Net(3, 1);
        var state = WeightLoader.StateOf(source);
        // A file from another framework: names under "backbone.", doubles instead of floats, a renamed head.
        var weights = state.ToDictionary(
            p => p.Key.StartsWith("fc.") ? p.Key.Replace("fc.", "classifier.") : "backbone." + p.Key,
            p => p.Value.dtype == float32 ? p.Value.to(float64) : p.Value.clone());
        using var target = Net(3, 2);
        try
        {
            var renames = new WeightLoadOptions { Strict = false }
                .WithRenames(new Dictionary<string, string> { ["classifier.weight"] = "fc.weight", ["classifier.bias"] = "fc.bias" });
            var partial = WeightLoader.Load(target, weights, renames);
            Assert.Equal(new[] { "fc.bias", "fc.weight" }, partial.Loaded);
            Assert.Contains("backbone.conv1.weight", partial.Unexpected);

            var combined = new WeightLoadOptions
            {
                NameMap = name => name.StartsWith("backbone.") ? name["backbone.".Length..] : name.Replace("classifier.", "fc."),
            };
            var report = WeightLoader.Load(target, weights, combined);
            Assert.True(report.IsExact);
            var loaded = target.named_parameters().Single(p => p.name == "conv1.weight").parameter;
            Assert.Equal(ScalarType.Float32, loaded.dtype);
            Assert.True(TensorAssert.Identical(state["conv1.weight"], loaded.detach()));
        }
        finally
        {
            Dispose(state);
            Dispose(weights);
        }
    }

    [Fact]
    public void Two_weights_mapped_to_one_name_are_an_error()
    {
        using var target = Net(3, 1);
        using var a = ones(3);
        using var b = ones(3);
        var error = Assert.Throws<ArgumentException>(() => WeightLoader.Load(target,
            new Dictionary<string, Tensor> { ["a.fc.bias"] = a, ["b.fc.bias"] = b },
            new WeightLoadOptions { NameMap = n => n[2..], Strict = false }));
        Assert.Contains("'a.fc.bias' and 'b.fc.bias' both map to 'fc.bias'", error.Message);
    }
}
