using SpecTune.Spec;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SpecTune.Models;

/// <summary>Builds the spec's new head (`head.layers`) as a Sequential whose children are named 0, 1, ...</summary>
internal static class HeadBuilder
{
    /// <summary>Builds the head for a backbone that produces <paramref name="inputFeatures"/> features.</summary>
    public static Module<Tensor, Tensor> Build(HeadSpec head, int inputFeatures)
    {
        if (head.Layers.Count == 0) throw new ArgumentException("The head has no layers (head.layers).");
        var modules = new List<Module<Tensor, Tensor>>();
        int width = inputFeatures;
        foreach (var layer in head.Layers)
        {
            switch (layer.Kind)
            {
                case HeadLayerKind.Linear:
                    int units = layer.Units ?? throw new ArgumentException("A linear head layer needs its unit count ({linear: N}).");
                    modules.Add(Linear(width, units));
                    width = units;
                    break;
                case HeadLayerKind.Relu: modules.Add(ReLU()); break;
                case HeadLayerKind.Gelu: modules.Add(GELU()); break;
                case HeadLayerKind.Dropout: modules.Add(Dropout(layer.Rate ?? 0.5)); break;
                case HeadLayerKind.BatchNorm: modules.Add(BatchNorm1d(width)); break;
                case HeadLayerKind.Sigmoid: modules.Add(Sigmoid()); break;
                case HeadLayerKind.Softmax: modules.Add(Softmax(1)); break;
                default: throw new ArgumentOutOfRangeException(nameof(head), layer.Kind, "Unknown head layer.");
            }
        }
        return Sequential(modules);
    }

    /// <summary>The number of outputs the head produces (the last linear layer's units).</summary>
    public static int OutputCount(HeadSpec head, int inputFeatures) =>
        head.Layers.LastOrDefault(l => l.Kind == HeadLayerKind.Linear)?.Units ?? inputFeatures;

    /// <summary>The head's last layer kind (losses read it: a sigmoid- or softmax-ended head gives probabilities).</summary>
    public static HeadLayerKind? LastLayer(HeadSpec head) => head.Layers.Count == 0 ? null : head.Layers[head.Layers.Count - 1].Kind;
}
