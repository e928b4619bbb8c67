using SpecTune.Freezing;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpecTune.Training;

/// <summary>
/// L2-SP (Li et al., 2018): penalises the distance of trained base parameters from their pretrained values,
/// alpha · Σ‖w − w₀‖², a guard against catastrophic forgetting. The new head has no pretrained value and
/// is not penalised.
/// </summary>
internal sealed class L2SpRegularizer : IDisposable
{
    private readonly double _alpha;
    private readonly List<(Parameter Parameter, Tensor Anchor)> _anchors = new();

    /// <summary>Snapshots every base parameter of <paramref name="groups"/> as its anchor.</summary>
    public L2SpRegularizer(double alpha, ParameterGroups groups)
    {
        _alpha = alpha;
        using var _ = no_grad();
        foreach (var group in groups.All.Where(g => g.Name != ParameterGroups.HeadGroup))
            foreach (var (_, parameter) in group.Parameters)
                _anchors.Add((parameter, parameter.detach().clone()));
    }

    /// <summary>The penalty over the parameters that currently train; a zero scalar when none do.</summary>
    public Tensor Penalty()
    {
        Tensor? total = null;
        foreach (var (parameter, anchor) in _anchors)
        {
            if (!parameter.requires_grad) continue;
            var term = (parameter - anchor).square().sum();
            total = total is null ? term : total.add_(term);
        }
        return total is null ? zeros(1).squeeze() : total.mul_(_alpha);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (_, anchor) in _anchors) anchor.Dispose();
        _anchors.Clear();
    }
}
