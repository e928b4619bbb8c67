using SpecTune.Faults;
using SpecTune.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Tests.Weights;

public class FiniteWeightsTests
{
    [Fact]
    public void A_NaN_in_a_base_tensor_is_SPT0334_naming_the_tensor_and_the_file()
    {
        using var good = torch.ones(3);
        using var bad = torch.tensor(new float[] { 1, float.NaN, float.PositiveInfinity, 2 });
        using var counts = torch.tensor(new long[] { 5 });
        var tensors = new Dictionary<string, Tensor> { ["a.weight"] = good, ["b.weight"] = bad, ["bn.num_batches_tracked"] = counts };

        var error = Assert.Throws<RunFaultException>(() => FiniteWeights.Check(tensors, "/models/base.safetensors"));

        Assert.Equal("SPT0334", error.Id);
        Assert.Equal("base.weights", error.SpecKey);
        Assert.Contains("/models/base.safetensors", error.Message);
        Assert.Contains("'b.weight'", error.Message);
        Assert.Contains("holds 2 NaN", error.Message);
    }

    [Fact]
    public void Finite_weights_pass()
    {
        using var good = torch.randn(4, 4);
        FiniteWeights.Check(new Dictionary<string, Tensor> { ["w"] = good }, "base.safetensors");
    }
}
