using static TorchSharp.torch;

namespace SpecTune.Data;

/// <summary>
/// One batch from a <see cref="DataLoader"/>: features [Size, ...sample shape] (float32) and targets
/// (see <see cref="TargetKind"/>), on the CPU. The consumer owns both tensors; disposing the batch disposes them.
/// </summary>
public sealed class Batch(Tensor features, Tensor targets, int size) : IDisposable
{
    public Tensor Features { get; } = features;

    public Tensor Targets { get; } = targets;

    /// <summary>Samples in this batch (the last batch of an epoch may be smaller than the batch size).</summary>
    public int Size { get; } = size;

    public void Dispose()
    {
        Features.Dispose();
        Targets.Dispose();
    }
}
