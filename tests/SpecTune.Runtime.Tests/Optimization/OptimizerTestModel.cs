using SpecTune.Optimization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpecTune.Tests.Optimization;

/// <summary>
/// A tiny two-group "network" (body and head parameters) with a non-linear loss, so that gradients change
/// from step to step and an optimizer's moments matter. Two instances built from the same seed hold equal values.
/// </summary>
internal sealed class OptimizerTestModel : IDisposable
{
    private readonly Tensor _input;

    public OptimizerTestModel(int seed = 7)
    {
        var generator = new Generator((ulong)seed);
        BodyWeight = new Parameter(torch.randn(5, 4, generator: generator));
        BodyBias = new Parameter(torch.randn(5, generator: generator));
        HeadWeight = new Parameter(torch.randn(2, 5, generator: generator));
        _input = torch.randn(8, 4, generator: generator);
    }

    public Parameter BodyWeight { get; }
    public Parameter BodyBias { get; }
    public Parameter HeadWeight { get; }

    public IEnumerable<Parameter> All => [BodyWeight, BodyBias, HeadWeight];

    public IReadOnlyList<OptimizerGroup> Groups(double bodyLr, double headLr) =>
    [
        new OptimizerGroup("body", [new("body.weight", BodyWeight), new("body.bias", BodyBias)], bodyLr),
        new OptimizerGroup("head", [new("head.weight", HeadWeight)], headLr),
    ];

    /// <summary>Sets every parameter's gradient from one forward/backward pass.</summary>
    public void Backward()
    {
        using var scope = torch.NewDisposeScope();
        var hidden = torch.tanh(_input.matmul(BodyWeight.t()) + BodyBias);
        var output = hidden.matmul(HeadWeight.t());
        var loss = (output - 0.5).pow(2).mean() + output.sin().sum() * 0.1;
        loss.backward();
    }

    /// <summary>Takes over the other model's parameters and input, as a resumed run does from a checkpoint.</summary>
    public void CopyValuesFrom(OptimizerTestModel other)
    {
        using var noGrad = torch.no_grad();
        foreach (var (mine, theirs) in All.Zip(other.All)) mine.copy_(theirs);
        _input.copy_(other._input);
    }

    public void Dispose()
    {
        foreach (var p in All) p.Dispose();
        _input.Dispose();
    }
}
