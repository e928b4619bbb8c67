using SpecTune.Weights;
using static TorchSharp.torch;

namespace SpecTune.Tests.Weights;

/// <summary>`base.weights` in any format, with `base.rename`, through a whole FineTuneJob.</summary>
[Collection(GlobalTorchRngCollection.Name)]
public sealed class SpecWeightFormatsTests : IDisposable
{
    private readonly TestWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Theory]
    [InlineData("base.pt")]
    [InlineData("base.dat")]
    public void A_spec_loads_a_state_dict_saved_under_a_DataParallel_prefix(string file)
    {
        _workspace.WriteIdx("train", 32, 2, seed: 1);
        _workspace.WriteIdx("valid", 16, 2, seed: 2);
        float[] expected;
        using (var source = FineTuneJob.FromYamlFile(_workspace.WriteSpec("source.spectune.yaml", Specs.BinaryCnn(seed: 8))))
        {
            var state = WeightLoader.StateOf(source.Network);
            var prefixed = state.ToDictionary(kv => "module." + kv.Key, kv => kv.Value);
            if (file.EndsWith(".pt")) WeightFiles.WritePyTorch(_workspace.PathOf(file), prefixed);
            else WeightFiles.WriteTorchSharp(_workspace.PathOf(file), prefixed);
            expected = state["conv2.weight"].data<float>().ToArray();
            foreach (var t in state.Values) t.Dispose();
        }

        var spec = Specs.BinaryCnn(seed: 9, weights: $"  weights: {file}\n  rename: {{ \"module.\": \"\" }}");
        using var job = FineTuneJob.FromYamlFile(_workspace.WriteSpec("tuned.spectune.yaml", spec));

        var report = job.WeightReport!;
        Assert.True(report.IsExact, string.Join("; ", report.Warnings));
        Assert.Contains("bn3.running_var", report.Loaded);
        Assert.Contains("fc.0.weight", report.Skipped);   // the old head, left out on purpose
        Assert.Equal(expected, job.Network.named_parameters().Single(p => p.name == "conv2.weight").parameter.detach().cpu().data<float>().ToArray());
    }

    [Fact]
    public void Without_the_rename_a_strict_load_lists_every_name_at_once()
    {
        _workspace.WriteIdx("train", 32, 2, seed: 1);
        _workspace.WriteIdx("valid", 16, 2, seed: 2);
        using (var source = FineTuneJob.FromYamlFile(_workspace.WriteSpec("source.spectune.yaml", Specs.BinaryCnn())))
        {
            var state = WeightLoader.StateOf(source.Network);
            WeightFiles.WritePyTorch(_workspace.PathOf("base.pt"), state.ToDictionary(kv => "module." + kv.Key, kv => kv.Value));
            foreach (var t in state.Values) t.Dispose();
        }

        var specError = Assert.Throws<SpecTune.Spec.SpecException>(() =>
            FineTuneJob.FromYamlFile(_workspace.WriteSpec("tuned.spectune.yaml", Specs.BinaryCnn(weights: "  weights: base.pt"))));
        Assert.Equal("SPT0301", specError.Id);
        var error = Assert.IsType<WeightLoadException>(specError.InnerException);
        Assert.Contains("conv1.weight", error.Report.Missing);
        Assert.Contains("module.conv1.weight", error.Report.Unexpected);
    }
}
