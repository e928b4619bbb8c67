using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpecTune.Optimization;

/// <summary>Gradient norm clipping, as <c>torch.nn.utils.clip_grad_norm_</c>.</summary>
internal static class GradientClipping
{
    /// <summary>
    /// Scales all gradients together so that their global L2 norm is at most <paramref name="maxNorm"/>.
    /// Parameters without a gradient are ignored. As in PyTorch, the scale is
    /// <c>min(1, maxNorm / (total + 1e-6))</c>, so a norm just under the limit is left as is.
    /// </summary>
    /// <returns>The global norm before clipping (0 when no parameter has a gradient; may be NaN or infinity).</returns>
    public static double ClipGlobalNorm(IEnumerable<Parameter> parameters, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "The maximum gradient norm must be positive.");

        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var grads = parameters.Select(p => p.grad).Where(g => g is not null).Select(g => g!).ToList();
        if (grads.Count == 0) return 0.0;

        // The norm of the per-tensor norms is the norm of all elements together; computing it this way
        // (in the gradients' own dtype) is what PyTorch does, so the returned value matches it bit for bit.
        var norms = grads.Select(g => g.norm()).ToArray();
        var total = (norms.Length == 1 ? norms[0] : torch.stack(norms).norm()).ToDouble();

        var coefficient = maxNorm / (total + 1e-6);
        // NaN compares false, so a NaN norm leaves the gradients alone (PyTorch would turn them all into NaN;
        // they already contain one, and the caller sees the NaN norm either way).
        if (coefficient < 1.0)
        {
            using var scale = coefficient.ToScalar();
            foreach (var g in grads) g.mul_(scale);
        }
        return total;
    }
}
