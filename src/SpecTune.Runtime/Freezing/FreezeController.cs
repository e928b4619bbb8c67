using SpecTune.Models;
using SpecTune.Optimization;
using SpecTune.Spec;
using SpecTune.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpecTune.Freezing;

/// <summary>
/// Applies a phase's freeze schedule in one place: trainable flags, the BatchNorm policy of frozen groups,
/// and the optimizer groups (only trainable parameters, each with its group's rate). Entering a phase
/// always does all three together, so flags and optimizer never disagree.
/// </summary>
internal sealed class FreezeController
{
    private readonly FineTuneNetwork _network;
    private readonly ParameterGroups _groups;
    private readonly IReadOnlyList<(string Name, nn.Module Module, string Owner)> _batchNorms;

    /// <summary>Controls <paramref name="network"/>'s groups.</summary>
    public FreezeController(FineTuneNetwork network, ParameterGroups groups)
    {
        _network = network;
        _groups = groups;
        _batchNorms = network.named_modules()
            .Where(m => m.module is BatchNorm1d or BatchNorm2d or BatchNorm3d)
            .Select(m => (m.name, m.module, groups.OwnerOf(m.name + ".weight").Name))
            .ToList();
    }

    /// <summary>Sets requires_grad for every parameter as <paramref name="phase"/> says.</summary>
    public void Enter(PhasePlan phase)
    {
        foreach (var group in _groups.All)
        {
            if (phase.Trains(group.Name)) group.Unfreeze();
            else group.Freeze();
        }
        if (phase.BatchNorm != BatchNormPolicy.FreezeAll)
        {
            // Frozen groups' BatchNorm affine parameters train under train-affine and train-all.
            foreach (var (_, module, owner) in _batchNorms)
            {
                if (phase.Trains(owner)) continue;
                foreach (var (_, parameter) in module.named_parameters()) parameter.requires_grad = true;
            }
        }
        // Optimizers keep gradient buffers between steps (FineTuneOptimizer.ZeroGrad); a parameter this phase freezes
        // will not be written again, so the gradient it kept from an earlier phase is released.
        foreach (var (_, parameter) in _network.named_parameters())
        {
            if (parameter.requires_grad) continue;
            using var grad = parameter.grad;
            if (grad is not null) parameter.grad = null;
        }
    }

    /// <summary>
    /// Puts the network in training mode, then frozen groups' BatchNorm layers back in eval mode (unless the
    /// policy is train-all) so their running statistics do not move. Call at the start of every training epoch.
    /// </summary>
    public void SetTrainingMode(PhasePlan phase)
    {
        _network.train();
        if (phase.BatchNorm == BatchNormPolicy.TrainAll) return;
        foreach (var (_, module, owner) in _batchNorms)
            if (!phase.Trains(owner)) module.eval();
    }

    /// <summary>The optimizer groups for <paramref name="phase"/>: trainable parameters only, one group per owner.</summary>
    public IReadOnlyList<OptimizerGroup> OptimizerGroups(PhasePlan phase)
    {
        var result = new List<OptimizerGroup>();
        foreach (var group in _groups.All)
        {
            var trainable = group.Parameters.Where(p => p.Value.requires_grad).ToList();
            if (trainable.Count == 0) continue;
            result.Add(new OptimizerGroup(group.Name, trainable, phase.Trains(group.Name) ? phase.RateOf(group.Name) : phase.DefaultRate));
        }
        return result;
    }

    /// <summary>Trainable and frozen weight counts per group as the flags stand now (for reports).</summary>
    public IReadOnlyList<(string Group, long Trainable, long Frozen)> Census() =>
        _groups.All.Select(g => (g.Name,
            g.Parameters.Where(p => p.Value.requires_grad).Sum(p => p.Value.numel()),
            g.Parameters.Where(p => !p.Value.requires_grad).Sum(p => p.Value.numel()))).ToList();
}
