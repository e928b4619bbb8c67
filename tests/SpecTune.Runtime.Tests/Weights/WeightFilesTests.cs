using SpecTune.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Tests.Weights;

// Building modules draws initial weights from the global RNG, so these run apart from seeded tests.
[Collection(GlobalTorchRngCollection.Name)]
public sealed class WeightFilesTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", "pytorch", name);

    /// <summary>Closed-form values (no RNG), so every test knows what each tensor holds.</summary>
    private static nn.Module<Tensor, Tensor> Net()
    {
        var net = nn.Sequential(("conv1", nn.Conv2d(3, 4, 3)), ("bn1", nn.BatchNorm2d(4)), ("fc", nn.Linear(4, 2)));
        using var _ = no_grad();
        int k = 0;
        foreach (var (_, p) in net.named_parameters()) p.copy_(arange(p.numel(), dtype: float32).reshape(p.shape) * 0.01f + k++);
        foreach (var (_, b) in net.named_buffers()) if (b.dtype == float32) b.copy_(arange(b.numel(), dtype: float32) + 0.5f);
        return net;
    }

    private static void AssertSameState(nn.Module expected, IReadOnlyDictionary<string, Tensor> actual)
    {
        var state = WeightLoader.StateOf(expected);
        try
        {
            Assert.Equal(state.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
            foreach (var (name, tensor) in state)
            {
                Assert.Equal(tensor.dtype, actual[name].dtype);
                Assert.True(tensor.equal(actual[name]).all().item<bool>(), name);
            }
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    private static void Dispose(Dictionary<string, Tensor> tensors)
    {
        foreach (var t in tensors.Values) t.Dispose();
    }

    [Fact]
    public void Reads_the_dat_files_TorchSharp_writes()
    {
        using var net = Net();
        var path = _folder.File("net.dat");
        net.save(path);

        Assert.Equal(WeightFileFormat.TorchSharp, WeightFiles.DetectFormat(path));
        var read = WeightFiles.Read(path);
        try { AssertSameState(net, read); } finally { Dispose(read); }
    }

    [Fact]
    public void TorchSharp_loads_the_dat_files_SpecTune_writes()
    {
        using var net = Net();
        var path = _folder.File("written.dat");
        var state = WeightLoader.StateOf(net);
        try { WeightFiles.WriteTorchSharp(path, state); } finally { Dispose(state); }

        using var other = nn.Sequential(("conv1", nn.Conv2d(3, 4, 3)), ("bn1", nn.BatchNorm2d(4)), ("fc", nn.Linear(4, 2)));
        other.load(path);
        var loaded = WeightLoader.StateOf(other);
        try { AssertSameState(net, loaded); } finally { Dispose(loaded); }
    }

    [Fact]
    public void PyTorch_state_dict_round_trips_through_the_pickle_format()
    {
        using var net = Net();
        var path = _folder.File("net.pt");
        var state = WeightLoader.StateOf(net);
        try { WeightFiles.WritePyTorch(path, state); } finally { Dispose(state); }

        Assert.Equal(WeightFileFormat.PyTorch, WeightFiles.DetectFormat(path));
        var read = WeightFiles.Read(path);
        try { AssertSameState(net, read); } finally { Dispose(read); }
    }

    [Fact]
    public void Reads_channels_last_sliced_and_strided_tensors_as_contiguous_ones()
    {
        // Made by tools/make-pytorch-strided-fixture.py with Debian's python3-torch 1.13 (torch.save, zip format).
        var read = WeightFiles.Read(Fixture("strided_state_dict.pt"));
        try
        {
            Assert.All(read.Values, t => Assert.True(t.is_contiguous()));
            using var channelsLast = arange(24, dtype: float32).reshape(2, 3, 2, 2);
            Assert.Equal(channelsLast.data<float>().ToArray(), read["channels_last"].contiguous().data<float>().ToArray());
            Assert.Equal(new[] { 6f, 7, 8, 11, 12, 13 }, read["slice"].data<float>().ToArray());
            Assert.Equal(new long[] { 2, 3 }, read["slice"].shape);
            Assert.Equal(new[] { 0f, 3, 1, 4, 2, 5 }, read["transposed"].data<float>().ToArray());
            Assert.Equal(new[] { 0f, 2, 4, 6, 8 }, read["every_other"].data<float>().ToArray());
        }
        finally
        {
            Dispose(read);
        }
    }

    [Fact]
    public void Reads_a_state_dict_saved_by_real_PyTorch()
    {
        // Made by tools/make-pytorch-fixture.py with Debian's python3-torch 1.13 (torch.save, zip format).
        var read = WeightFiles.Read(Fixture("tiny_state_dict.pt"));
        try
        {
            Assert.Equal(
                new[] { "module.bn1.num_batches_tracked", "module.bn1.running_mean", "module.conv1.bias", "module.conv1.weight", "module.fc.weight" },
                read.Keys.Order(StringComparer.Ordinal));
            using var expectedConv = arange(108, dtype: float32).reshape(4, 3, 3, 3) / 100;
            Assert.True(read["module.conv1.weight"].allclose(expectedConv));
            Assert.Equal(new[] { 0.5f, -0.5f, 1.5f, -1.5f }, read["module.conv1.bias"].data<float>().ToArray());
            Assert.Equal(new[] { 0f, 0.25f, 0.5f, 0.75f }, read["module.bn1.running_mean"].data<float>().ToArray());
            Assert.Equal(ScalarType.Int64, read["module.bn1.num_batches_tracked"].dtype);
            Assert.Equal(0, read["module.bn1.num_batches_tracked"].dim());
            Assert.Equal(7L, read["module.bn1.num_batches_tracked"].item<long>());
            Assert.Equal(ScalarType.Float64, read["module.fc.weight"].dtype);
            Assert.Equal(new[] { -3.0, -2, -1, 0, 1, 2, 3, 4 }, read["module.fc.weight"].data<double>().ToArray());
        }
        finally
        {
            Dispose(read);
        }
    }

    [Fact]
    public void A_real_PyTorch_file_loads_into_a_module_through_a_prefix_rename()
    {
        using var net = nn.Sequential(("conv1", nn.Conv2d(3, 4, 3)), ("bn1", nn.BatchNorm2d(4)), ("fc", nn.Linear(4, 2)));
        var read = WeightFiles.Read(Fixture("tiny_state_dict.pt"));
        try
        {
            var options = new WeightLoadOptions { Strict = false }
                .WithPrefixRenames(new Dictionary<string, string> { ["module."] = "" });
            var report = WeightLoader.Load(net, read, options);

            Assert.Equal(new[] { "bn1.num_batches_tracked", "bn1.running_mean", "conv1.bias", "conv1.weight", "fc.weight" }, report.Loaded);
            Assert.Empty(report.Unexpected);
            Assert.Equal(0.75f, net.named_buffers().Single(b => b.name == "bn1.running_mean").buffer[3].item<float>());
            // float64 in the file, float32 in the module: converted on copy.
            Assert.Equal(4f, net.named_parameters().Single(p => p.name == "fc.weight").parameter[1, 3].item<float>());
        }
        finally
        {
            Dispose(read);
        }
    }

    [Theory]
    [InlineData("features", "backbone", "features.0.weight", "backbone.0.weight")]
    [InlineData("features", "backbone", "features2.weight", "features2.weight")]
    [InlineData("features.0", "stem", "features.0.weight", "stem.weight")]
    [InlineData("module.", "", "module.fc.bias", "fc.bias")]
    [InlineData("features", "", "features.0.weight", "0.weight")]
    public void Prefix_renames_cover_whole_segments_and_the_longest_key_wins(string from, string to, string name, string expected)
    {
        var map = new WeightLoadOptions()
            .WithPrefixRenames(new Dictionary<string, string> { [from] = to, ["features.0.weight.x"] = "never" })
            .NameMap!;

        Assert.Equal(expected, map(name));
    }

    [Fact]
    public void Format_is_told_by_the_first_bytes()
    {
        using var t = ones(2);
        var safetensors = _folder.File("weights.bin");
        SafeTensors.Write(safetensors, new Dictionary<string, Tensor> { ["a"] = t });
        Assert.Equal(WeightFileFormat.SafeTensors, WeightFiles.DetectFormat(safetensors));

        var legacy = _folder.File("legacy.pt");
        File.WriteAllBytes(legacy, new byte[] { 0x80, 0x02, 0x8a, 0x0a, 0x6c });
        Assert.Contains("legacy", Assert.Throws<WeightsFormatException>(() => WeightFiles.Read(legacy)).Message);

        var garbage = _folder.File("garbage.pt");
        File.WriteAllText(garbage, "hello, world");
        Assert.Throws<WeightsFormatException>(() => WeightFiles.Read(garbage));
    }

    [Theory]
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0x7f }, "count")]                       // count far past the file
    [InlineData(new byte[] { 1, 1, (byte)'a', 6, 1, 100, 0, 0, 0 }, "bytes")]           // 100 floats promised, 3 bytes present
    [InlineData(new byte[] { 1, 1, (byte)'a', 99, 0 }, "element type")]                // unknown dtype code
    [InlineData(new byte[] { 1, 1, (byte)'a', 6, 0, 0, 0, 0, 0, 9 }, "follow")]         // trailing bytes
    [InlineData(new byte[] { 2, 1, (byte)'a', 1, 0, 5, 1, (byte)'a', 1, 0, 5 }, "twice")] // duplicate name
    [InlineData(new byte[] { 1, 1, (byte)'a', 6, 1 }, "ends")]                          // cut inside the shape
    public void Damaged_dat_files_are_format_errors(byte[] bytes, string problem)
    {
        var path = _folder.File("damaged.dat");
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<WeightsFormatException>(() => WeightFiles.Read(path));
        Assert.Contains(problem, error.Message);
    }
}
