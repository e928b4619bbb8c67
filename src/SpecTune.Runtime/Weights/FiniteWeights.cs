using SpecTune.Faults;
using SpecTune.Spec;
using static TorchSharp.torch;

namespace SpecTune.Weights;

/// <summary>Base weights must be finite numbers: a NaN or infinity in a pretrained file only ever gives NaN losses.</summary>
internal static class FiniteWeights
{
    /// <summary>Throws at the first floating-point tensor (in name order) that holds a NaN or an infinity.</summary>
    /// <exception cref="RunFaultException">SPT0334 at `base.weights`, naming the file and the tensor.</exception>
    public static void Check(IReadOnlyDictionary<string, Tensor> tensors, string path)
    {
        foreach (var (name, tensor) in tensors.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!tensor.is_floating_point() || tensor.numel() == 0) continue;
            using var scope = NewDisposeScope();
            long bad = tensor.isfinite().logical_not().sum().item<long>();
            if (bad > 0)
                throw new RunFaultException(SpecDiagnostics.NonFiniteBaseWeights, Path.GetFullPath(path), "base.weights", null, Path.GetFullPath(path), name, bad);
        }
    }
}
