using SpecTune.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpecTune.Bench;

/// <summary>
/// Model FLOPs per sample, counted analytically from the conv and linear layers (BatchNorm, activations, pooling
/// and the optimizer are left out, as MFU usually does). A forward hook on each such layer reads its output shape;
/// a layer's multiply-accumulates are output elements × (input channels / groups × kernel area) for a convolution
/// and output elements × input features for a linear layer — both read off the weight's shape. One MAC is 2 FLOPs.
/// </summary>
public static class Flops
{
    /// <summary>Forward FLOPs per sample of each conv/linear layer in the order they run, and whether it is in the head.</summary>
    public static IReadOnlyList<(string Name, double Flops, bool Head)> Layers(Workload w)
    {
        using var model = Child.Create(w.Architecture, w.Channels, Workload.Classes);
        var layers = new List<(string, double, bool)>();
        var hooks = new List<Action>();
        foreach (var (name, module) in model.named_modules())
        {
            if (module is not (Conv2d or Linear)) continue;
            var typed = (nn.Module<Tensor, Tensor>)module;
            var weight = module is Conv2d conv ? conv.weight! : ((Linear)module).weight!;
            long perOutput = weight.shape.Skip(1).Aggregate(1L, (a, b) => a * b);
            bool head = name.StartsWith(model.HeadSlot + ".", StringComparison.Ordinal);
            var remover = typed.register_forward_hook((_, _, output) =>
            {
                layers.Add((name, 2.0 * output.numel() / output.shape[0] * perOutput, head));
                return output;
            });
            hooks.Add(remover.remove);
        }
        model.eval();
        using (no_grad())
        using (var input = torch.zeros(1, w.Channels, w.Size, w.Size))
        using (var output = model.call(input)) { }
        foreach (var remove in hooks) remove();
        return layers;
    }

    /// <summary>Forward FLOPs per sample.</summary>
    public static double Forward(Workload w) => Layers(w).Sum(l => l.Flops);

    /// <summary>
    /// Training FLOPs per sample: the forward pass, plus for every layer whose weight trains the weight gradient (1×), plus
    /// the input gradient (1×) of every layer that has a trained layer in front of it (the first layer's input, the
    /// data, needs none). Full fine-tune ≈ 3× forward; head-only = forward + the head's weight gradient.
    /// </summary>
    public static double Training(Workload w, string phase)
    {
        double total = 0;
        bool anythingTrainsBefore = false;
        foreach (var (_, flops, head) in Layers(w))
        {
            bool trains = head || phase == Phases.Full;
            total += flops;
            if (trains) total += flops;
            if (anythingTrainsBefore) total += flops;
            anythingTrainsBefore |= trains;
        }
        return total;
    }
}
