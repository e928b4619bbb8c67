using static TorchSharp.torch;

namespace SpecTune.Data;

/// <summary>
/// One batch: one or more named inputs [Size, ...] (a <see cref="DataLoader"/> gives one, <see cref="DefaultInput"/>;
/// a text batch may hold input_ids, attention_mask, token_type_ids) and the targets (see <see cref="TargetKind"/>).
/// The consumer owns every tensor; disposing the batch disposes them.
/// </summary>
public sealed class Batch : IDisposable
{
    /// <summary>The name of a single-tensor batch's input.</summary>
    public const string DefaultInput = "input";

    /// <summary>A batch of one input tensor, named <see cref="DefaultInput"/>.</summary>
    public Batch(Tensor features, Tensor targets, int size)
        : this(new Dictionary<string, Tensor>(StringComparer.Ordinal) { [DefaultInput] = features }, targets, size) { }

    /// <summary>A batch of named inputs (at least one).</summary>
    public Batch(IReadOnlyDictionary<string, Tensor> inputs, Tensor targets, int size)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0) throw new ArgumentException("a batch needs at least one input", nameof(inputs));
        Inputs = inputs;
        Targets = targets;
        Size = size;
    }

    /// <summary>Every input by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Inputs { get; }

    /// <summary>The input of a single-input batch (<see cref="DefaultInput"/>, or the only one).</summary>
    public Tensor Features => Inputs.TryGetValue(DefaultInput, out var input) ? input : Inputs.Values.First();

    public Tensor Targets { get; }

    /// <summary>Samples in this batch (the last batch of an epoch may be smaller than the batch size).</summary>
    public int Size { get; }

    public void Dispose()
    {
        foreach (var input in Inputs.Values) input.Dispose();
        Targets.Dispose();
    }
}
