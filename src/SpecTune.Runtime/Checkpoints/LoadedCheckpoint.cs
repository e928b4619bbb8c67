using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SpecTune.Weights;
using static TorchSharp.torch;

namespace SpecTune.Checkpoints;

/// <summary>
/// A checkpoint read back from disk, verified against its checksum. It owns its tensors: dispose it
/// once the model, optimizer and RNG have been restored.
/// </summary>
internal sealed class LoadedCheckpoint : IDisposable
{
    private readonly Dictionary<string, Tensor> _all;

    internal LoadedCheckpoint(string path, TrainingCheckpoint state, Dictionary<string, Tensor> tensors)
    {
        Path = path;
        State = state;
        _all = tensors;
        Model = Group(tensors, CheckpointStore.ModelPrefix);
        Optimizer = Group(tensors, CheckpointStore.OptimizerPrefix);
        var best = Group(tensors, CheckpointStore.BestPrefix);
        Best = best.Count > 0 ? best : null;
        RngState = tensors.TryGetValue(CheckpointStore.RngName, out var rng)
            ? rng
            : throw new CheckpointException(path, $"the checkpoint has no '{CheckpointStore.RngName}' tensor");
        if (RngState.dtype != ScalarType.Byte || RngState.dim() != 1)
            throw new CheckpointException(path, $"'{CheckpointStore.RngName}' is {RngState.dtype} {SafeTensors.FormatShape(RngState.shape)}, not a 1-D U8 tensor");
        var stray = tensors.Keys.Where(k => k != CheckpointStore.RngName
            && !k.StartsWith(CheckpointStore.ModelPrefix, StringComparison.Ordinal)
            && !k.StartsWith(CheckpointStore.OptimizerPrefix, StringComparison.Ordinal)
            && !k.StartsWith(CheckpointStore.BestPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
        if (stray.Length > 0)
            throw new CheckpointException(path, $"unexpected tensors in the checkpoint: {string.Join(", ", stray)}");
    }

    public string Path { get; }

    public TrainingCheckpoint State { get; }

    /// <summary>The model's parameters and buffers, by module name.</summary>
    public IReadOnlyDictionary<string, Tensor> Model { get; }

    /// <summary>The optimizer state tensors, by the names the trainer gave them when saving.</summary>
    public IReadOnlyDictionary<string, Tensor> Optimizer { get; }

    /// <summary>The best weights so far, by module name; null when none were saved.</summary>
    public IReadOnlyDictionary<string, Tensor>? Best { get; }

    /// <summary>torch's CPU generator state at the time of the save.</summary>
    public Tensor RngState { get; }

    /// <summary>Throws unless the checkpoint was saved for the spec that hashes to <paramref name="expectedSpecHash"/>.</summary>
    /// <exception cref="CheckpointException">The spec changed since the checkpoint was saved.</exception>
    public void VerifySpecHash(string expectedSpecHash)
    {
        ArgumentNullException.ThrowIfNull(expectedSpecHash);
        if (State.SpecHash != expectedSpecHash)
            throw new CheckpointException(Path,
                $"the spec changed since this checkpoint was saved (checkpoint spec hash {State.SpecHash}, current spec hash {expectedSpecHash}), " +
                "so training cannot resume from it. Restore the spec as it was to resume, or delete the checkpoint to train from the start.");
    }

    /// <summary>Copies the saved model state into <paramref name="module"/>; every name must fit.</summary>
    /// <exception cref="WeightLoadException">The module's parameters differ from the checkpoint's.</exception>
    public WeightLoadReport RestoreModel(nn.Module module) => WeightLoader.Load(module, Model, WeightLoadOptions.Default, Path);

    /// <summary>Copies the best weights into <paramref name="module"/> (restore-best).</summary>
    /// <exception cref="InvalidOperationException">No best weights were saved.</exception>
    public WeightLoadReport RestoreBest(nn.Module module) => WeightLoader.Load(module,
        Best ?? throw new InvalidOperationException($"{Path}: the checkpoint holds no best weights."), WeightLoadOptions.Default, Path);

    /// <summary>Sets torch's CPU generator to its state at the time of the save.</summary>
    public void RestoreRng() => set_rng_state(RngState);

    public void Dispose()
    {
        foreach (var tensor in _all.Values)
            tensor.Dispose();
    }

    private static Dictionary<string, Tensor> Group(Dictionary<string, Tensor> tensors, string prefix) =>
        tensors.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(p => p.Key[prefix.Length..], p => p.Value, StringComparer.Ordinal);
}
