using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Models;

/// <summary>
/// A zoo network: a pretrained backbone plus a head slot that the spec's new head takes.
/// Parameter names follow torchvision (conv1.weight, layer4.1.bn2.running_mean, fc.0.weight ...)
/// so that PyTorch weights load by name.
/// </summary>
public abstract class FineTuneNetwork : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the network; derived classes register their components.</summary>
    protected FineTuneNetwork(string name) : base(name) { }

    /// <summary>The name of the head slot's module (its parameters are named `{HeadSlot}.*`).</summary>
    public abstract string HeadSlot { get; }

    /// <summary>Width of the feature vector the backbone hands to the head.</summary>
    public abstract int FeatureCount { get; }

    /// <summary>The head module now in the slot.</summary>
    public abstract nn.Module<Tensor, Tensor> Head { get; }

    /// <summary>Runs the backbone only: [N, ...input] to [N, FeatureCount].</summary>
    public abstract Tensor Features(Tensor input);

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var features = Features(input);
        return Head.call(features);
    }
}
