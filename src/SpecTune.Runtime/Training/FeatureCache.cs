using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using SpecTune.Data;
using SpecTune.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Training;

/// <summary>
/// The output of a frozen backbone's leading stages (all of them when only the head trains) for every sample of a data
/// set, computed once under no_grad, so that a phase trains only what follows them (see <see cref="FrozenPrefixPlanner"/>).
/// Each row is one sample's activations, flattened; batches come back shaped [n, ..<see cref="SampleShape"/>]. Rows are kept in memory up to a
/// byte limit and the rest spill to a temporary file that is read back with positional reads (and deleted on dispose),
/// so memory stays bounded whatever the data set's size. Targets are kept beside the features.
/// </summary>
/// <remarks>
/// <see cref="Key"/> names what the rows were computed from: the cached stages and their parameters and buffers (names,
/// types, shapes and values), the data source and the transforms. A cache is reused only under an equal key, so
/// changing a weight in front of the cut, the data or the preprocessing rebuilds it; training the stages after it does not.
/// </remarks>
internal sealed class FeatureCache : IDisposable
{
    private float[] _memory = [];
    private int _memoryRows;
    private SafeFileHandle? _spill;
    private readonly float[] _targets;
    private readonly long[] _classIndices;
    private bool _disposed;

    private FeatureCache(string key, int count, TargetKind targetKind, int stages)
    {
        Key = key;
        Count = count;
        TargetKind = targetKind;
        Stages = stages;
        _targets = new float[count];
        _classIndices = new long[count];
    }

    /// <summary>What the rows were computed from (see the remarks).</summary>
    public string Key { get; }

    /// <summary>Samples (rows).</summary>
    public int Count { get; }

    /// <summary>Values per sample (the cached stages' output, flattened).</summary>
    public int Width { get; private set; }

    /// <summary>One sample's activations at the cut ([FeatureCount] when the whole backbone is cached, [C, H, W] inside it).</summary>
    public IReadOnlyList<long> SampleShape { get; private set; } = [];

    /// <summary>Leading backbone stages the rows went through.</summary>
    public int Stages { get; }

    /// <summary>How targets are shaped in the batches (as the data loader that read the samples shaped them).</summary>
    public TargetKind TargetKind { get; }

    /// <summary>Rows held in memory; the rest are in the spill file.</summary>
    public int MemoryRows => _memoryRows;

    /// <summary>Rows read back from the spill file.</summary>
    public int SpilledRows => Count - _memoryRows;

    /// <summary>
    /// Runs the first <paramref name="stages"/> of <paramref name="network"/>'s backbone stages (all of them by default)
    /// over every sample <paramref name="loader"/> gives (it must not shuffle or augment: row i is sample i) under
    /// no_grad, keeping at most <paramref name="memoryLimitBytes"/> of rows in memory and the rest in a temporary file
    /// under <paramref name="spillDirectory"/>. The network's modules are used in the mode they are in, so the caller
    /// sets it as the uncached pass would have it.
    /// </summary>
    public static FeatureCache Build(FineTuneNetwork network, DataLoader loader, string key, long memoryLimitBytes, string spillDirectory, Device device,
        int? stages = null)
    {
        if (loader.Shuffle || loader.Transforms.Active(loader.Training).Any(t => t.IsAugmentation))
            throw new ArgumentException("A feature cache needs samples in source order without augmentation.", nameof(loader));
        int cut = stages ?? network.Stages.Count;
        if (cut < 1 || cut > network.Stages.Count)
            throw new ArgumentOutOfRangeException(nameof(stages), cut, $"expected 1..{network.Stages.Count} (the backbone's stages)");
        var cache = new FeatureCache(key, loader.Source.Count, loader.TargetKind, cut);
        try
        {
            cache.Fill(network, loader, device, Math.Max(0, memoryLimitBytes), spillDirectory);
            return cache;
        }
        catch
        {
            cache.Dispose();
            throw;
        }
    }

    /// <summary>Sizes the store from the first batch's activations: rows up to the byte limit in memory, the rest in a spill file.</summary>
    private void Allocate(long[] sampleShape, long memoryLimitBytes, string spillDirectory)
    {
        SampleShape = sampleShape;
        Width = checked((int)sampleShape.Aggregate(1L, (a, b) => a * b));
        long rowBytes = (long)Width * sizeof(float);
        _memoryRows = (int)Math.Min(Count, memoryLimitBytes / rowBytes);
        _memory = new float[(long)_memoryRows * Width];
        if (_memoryRows < Count)
        {
            Directory.CreateDirectory(spillDirectory);
            _spill = File.OpenHandle(Path.Combine(spillDirectory, $"spectune-features-{Guid.NewGuid():N}.bin"), FileMode.CreateNew,
                FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose | FileOptions.RandomAccess, (Count - _memoryRows) * rowBytes);
        }
    }

    private void Fill(FineTuneNetwork network, DataLoader loader, Device device, long memoryLimitBytes, string spillDirectory)
    {
        using var noGrad = no_grad();
        int row = 0;
        foreach (var batch in loader.Epoch(0))
        {
            using (batch)
            using (NewDisposeScope())
            {
                var features = network.RunStages(batch.Features.to(device), 0, Stages).to(torch.CPU).contiguous();
                if (row == 0) Allocate(features.shape[1..], memoryLimitBytes, spillDirectory);
                else if (!features.shape[1..].SequenceEqual(SampleShape))
                    throw new InvalidOperationException($"The backbone's stages produced activations shaped [{string.Join(", ", features.shape)}], expected [N, {string.Join(", ", SampleShape)}].");
                var values = MemoryMarshal.Cast<byte, float>(features.bytes);
                using var targets = batch.Targets.to(torch.CPU).contiguous();
                var targetBytes = targets.bytes;
                for (int i = 0; i < batch.Size; i++, row++)
                {
                    WriteRow(row, values.Slice(i * Width, Width));
                    if (TargetKind == TargetKind.ClassIndex) _classIndices[row] = MemoryMarshal.Cast<byte, long>(targetBytes)[i];
                    else _targets[row] = MemoryMarshal.Cast<byte, float>(targetBytes)[i];
                }
            }
        }
        if (row != Count) throw new InvalidOperationException($"The loader gave {row} samples, expected {Count}.");
    }

    private void WriteRow(int row, ReadOnlySpan<float> values)
    {
        if (row < _memoryRows)
            values.CopyTo(_memory.AsSpan((int)((long)row * Width), Width));
        else
            RandomAccess.Write(_spill!, MemoryMarshal.AsBytes(values), SpillOffset(row));
    }

    private void ReadRow(int row, Span<float> destination)
    {
        if (row < _memoryRows)
        {
            _memory.AsSpan((int)((long)row * Width), Width).CopyTo(destination);
            return;
        }
        var bytes = MemoryMarshal.AsBytes(destination);
        long offset = SpillOffset(row);
        for (int read = 0; read < bytes.Length;)
        {
            int n = RandomAccess.Read(_spill!, bytes[read..], offset + read);
            if (n <= 0) throw new IOException("The feature cache's spill file ended early.");
            read += n;
        }
    }

    private long SpillOffset(int row) => (long)(row - _memoryRows) * Width * sizeof(float);

    /// <summary>
    /// Batches of cached activations [n, ..<see cref="SampleShape"/>] and targets in <paramref name="order"/> (source indices, as
    /// <see cref="DataLoader.SampleOrder"/> gives them), <paramref name="batchSize"/> at a time, after skipping the first
    /// <paramref name="skipBatches"/> — the same batches, in the same order, as the loader's epoch. The consumer owns each batch.
    /// </summary>
    public IEnumerable<Batch> Batches(int[] order, int batchSize, int skipBatches = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (order.Length != Count) throw new ArgumentException($"The order has {order.Length} entries; the cache holds {Count} samples.", nameof(order));
        return Enumerate(order, batchSize, skipBatches);
    }

    private IEnumerable<Batch> Enumerate(int[] order, int batchSize, int skipBatches)
    {
        var buffer = ArrayPool<float>.Shared.Rent(batchSize * Width);
        try
        {
            for (int start = skipBatches * batchSize; start < order.Length; start += batchSize)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                int size = Math.Min(batchSize, order.Length - start);
                for (int i = 0; i < size; i++)
                    ReadRow(order[start + i], buffer.AsSpan(i * Width, Width));
                yield return ToBatch(order, start, size, buffer);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    private Batch ToBatch(int[] order, int start, int size, float[] buffer)
    {
        var features = torch.empty([size, .. SampleShape], ScalarType.Float32);
        Tensor? targets = null;
        try
        {
            features.bytes = MemoryMarshal.AsBytes(buffer.AsSpan(0, size * Width));
            if (TargetKind == TargetKind.ClassIndex)
            {
                var indices = new long[size];
                for (int i = 0; i < size; i++) indices[i] = _classIndices[order[start + i]];
                targets = torch.tensor(indices, [size]);
            }
            else
            {
                var values = new float[size];
                for (int i = 0; i < size; i++) values[i] = _targets[order[start + i]];
                targets = torch.tensor(values, [size, 1]);
            }
            return new Batch(features, targets, size);
        }
        catch
        {
            features.Dispose();
            targets?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A digest of the first <paramref name="stages"/> of <paramref name="network"/>'s backbone stages (all of them by
    /// default): their names and every parameter and buffer they own (name, type, shape, values). Combine it with the
    /// data's identity through <see cref="ComputeKey(string, string)"/>.
    /// </summary>
    public static string BackboneDigest(FineTuneNetwork network, int? stages = null)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var headPrefix = network.HeadSlot + ".";
        var cached = network.Stages.Take(stages ?? network.Stages.Count).ToList();
        void Text(string text) => hash.AppendData(System.Text.Encoding.UTF8.GetBytes(text + "\n"));
        Text(network.GetType().FullName ?? network.GetName());
        Text("stages " + string.Join(",", cached.Select(s => s.Name)));
        using var scope = NewDisposeScope();
        var tensors = network.named_parameters().Select(p => (Kind: "p", p.name, Tensor: (Tensor)p.parameter))
            .Concat(network.named_buffers().Select(b => (Kind: "b", b.name, Tensor: b.buffer)));
        foreach (var (kind, name, tensor) in tensors)
        {
            if (name.StartsWith(headPrefix, StringComparison.Ordinal) || !cached.Any(s => s.Owns(name))) continue;
            Text($"{kind} {name} {tensor.dtype} [{string.Join(",", tensor.shape)}]");
            var flat = tensor.detach().to(torch.CPU).contiguous();
            hash.AppendData(flat.bytes);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The cache key for a backbone (<see cref="BackboneDigest"/>) over data described by <paramref name="dataIdentity"/> (source and transforms, as text).</summary>
    public static string ComputeKey(string backboneDigest, string dataIdentity) =>
        Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(backboneDigest + "\n" + dataIdentity)));

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _spill?.Dispose();
    }
}
