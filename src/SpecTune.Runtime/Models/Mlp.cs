using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SpecTune.Models;

/// <summary>
/// A multilayer perceptron: the input is flattened, then `layers.{2i}` Linear + `layers.{2i+1}` ReLU per
/// hidden width (`hidden:` in the spec, default [128, 64]); head slot `fc`.
/// </summary>
internal sealed class Mlp : FineTuneNetwork
{
    private readonly Module<Tensor, Tensor> layers;
    private readonly Module<Tensor, Tensor> fc;
    private readonly int _featureCount;

    /// <summary>The default hidden widths.</summary>
    public static IReadOnlyList<int> DefaultWidths { get; } = new[] { 128, 64 };

    /// <summary>Builds the network for <paramref name="inputFeatures"/> inputs with <paramref name="head"/> in the `fc` slot.</summary>
    public Mlp(int inputFeatures, IReadOnlyList<int> widths, Module<Tensor, Tensor> head) : base("mlp")
    {
        if (widths.Count == 0) throw new ArgumentException("mlp needs at least one hidden width.", nameof(widths));
        var modules = new List<Module<Tensor, Tensor>>();
        int width = inputFeatures;
        foreach (var hidden in widths)
        {
            modules.Add(Linear(width, hidden));
            modules.Add(ReLU());
            width = hidden;
        }
        layers = Sequential(modules);
        _featureCount = width;
        fc = head;
        RegisterComponents();
    }

    /// <inheritdoc />
    public override string HeadSlot => "fc";

    /// <inheritdoc />
    public override int FeatureCount => _featureCount;

    /// <inheritdoc />
    public override Module<Tensor, Tensor> Head => fc;

    /// <inheritdoc />
    public override Tensor Features(Tensor input)
    {
        using var flat = input.flatten(1);
        return layers.call(flat);
    }
}
