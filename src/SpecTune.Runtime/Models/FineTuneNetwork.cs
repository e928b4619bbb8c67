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

    /// <summary>
    /// The backbone as consecutive stages: running them in order is <see cref="Features"/>. A frozen leading run of
    /// stages is where the feature cache can cut (see Training/FrozenPrefixPlanner.cs), so a phase that trains only the
    /// last stages trains them from cached activations. One stage, the whole backbone, unless a network says more.
    /// </summary>
    internal virtual IReadOnlyList<BackboneStage> Stages => [new BackboneStage("backbone", [])];

    /// <summary>Runs stages <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive) of <see cref="Stages"/>.</summary>
    internal Tensor RunStages(Tensor input, int from, int to)
    {
        if (from < 0 || from > to || to > Stages.Count)
            throw new ArgumentOutOfRangeException(nameof(from), $"stages {from}..{to} of a backbone with {Stages.Count}");
        using var scope = NewDisposeScope();
        var x = input.alias();
        for (int stage = from; stage < to; stage++) x = RunStage(stage, x);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Runs stage <paramref name="stage"/> of <see cref="Stages"/> on the previous stage's output (the input for stage 0).
    /// A network with more than one stage overrides it (and runs <see cref="Features"/> through <see cref="RunStages"/>);
    /// the single default stage is <see cref="Features"/>.
    /// </summary>
    internal virtual Tensor RunStage(int stage, Tensor input) => Features(input);

    /// <summary>The network's output from the output of the first <paramref name="firstStage"/> stages: the remaining stages, then the head.</summary>
    internal Tensor ForwardFrom(Tensor stageOutput, int firstStage)
    {
        if (firstStage == Stages.Count) return Head.call(stageOutput);
        using var features = RunStages(stageOutput, firstStage, Stages.Count);
        return Head.call(features);
    }

    /// <summary>
    /// The output for a batch's named inputs. One input runs <see cref="forward"/>; a network that takes several
    /// (input_ids, attention_mask ...) overrides this.
    /// </summary>
    public virtual Tensor Forward(IReadOnlyDictionary<string, Tensor> inputs)
    {
        if (inputs.Count != 1)
            throw new ArgumentException($"{GetType().Name} takes one input; the batch has {string.Join(", ", inputs.Keys)}. Override Forward(inputs) to take several.", nameof(inputs));
        return call(inputs.Values.First());
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var features = Features(input);
        return Head.call(features);
    }
}

/// <summary>One stage of a backbone (see <see cref="FineTuneNetwork.Stages"/>).</summary>
/// <param name="Name">Short name for reports ("layer3").</param>
/// <param name="Modules">Top-level module names whose parameters and buffers the stage runs (conv1, bn1 ...); empty means
/// every module outside the head slot.</param>
internal sealed record BackboneStage(string Name, IReadOnlyList<string> Modules)
{
    /// <summary>Whether the parameter or buffer <paramref name="name"/> belongs to this stage.</summary>
    public bool Owns(string name) =>
        Modules.Count == 0 || Modules.Any(m => name.StartsWith(m + ".", StringComparison.Ordinal));
}
