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
/// A frozen backbone's output for every sample of a data set, computed once under no_grad, so that a phase that
/// trains only the head runs the head alone (see <see cref="FrozenPrefixPlanner"/>). Rows are kept in memory up to a
/// byte limit and the rest spill to a temporary file that is read back with positional reads (and deleted on dispose),
/// so memory stays bounded whatever the data set's size. Targets are kept beside the features.
/// </summary>
/// <remarks>
/// <see cref="Key"/> names what the rows were computed from: the backbone's parameters and buffers (names, types,
/// shapes and values), the data source and the transforms. A cache is reused only under an equal key, so changing a
/// weight, the data or the preprocessing rebuilds it.
/// </remarks>
public sealed class FeatureCache : IDisposable
{
    private readonly float[] _memory;
    private readonly int _memoryRows;
    private readonly SafeFileHandle? _spill;
    private readonly float[] _targets;
    private readonly long[] _classIndices;
    private bool _disposed;

    private FeatureCache(string key, int count, int width, TargetKind targetKind, int memoryRows, SafeFileHandle? spill)
    {
        Key = key;
        Count = count;
        Width = width;
        TargetKind = targetKind;
        _memoryRows = memoryRows;
        _memory = new float[(long)memoryRows * width];
        _spill = spill;
        _targets = new float[count];
        _classIndices = new long[count];
    }

    /// <summary>What the rows were computed from (see the remarks).</summary>
    public string Key { get; }

    /// <summary>Samples (rows).</summary>
    public int Count { get; }

    /// <summary>Features per sample (the backbone's output width).</summary>
    public int Width { get; }

    /// <summary>How targets are shaped in the batches (as the data loader that read the samples shaped them).</summary>
    public TargetKind TargetKind { get; }

    /// <summary>Rows held in memory; the rest are in the spill file.</summary>
    public int MemoryRows => _memoryRows;

    /// <summary>Rows read back from the spill file.</summary>
    public int SpilledRows => Count - _memoryRows;

    /// <summary>
    /// Runs <paramref name="network"/>'s backbone over every sample <paramref name="loader"/> gives (it must not shuffle
    /// or augment: row i is sample i) under no_grad, keeping at most <paramref name="memoryLimitBytes"/> of rows in
    /// memory and the rest in a temporary file under <paramref name="spillDirectory"/>. The network's modules are used
    /// in the mode they are in, so the caller sets it as the uncached pass would have it.
    /// </summary>
    public static FeatureCache Build(FineTuneNetwork network, DataLoader loader, string key, long memoryLimitBytes, string spillDirectory, Device device)
    {
        if (loader.Shuffle || loader.Transforms.Active(loader.Training).Any(t => t.IsAugmentation))
            throw new ArgumentException("A feature cache needs samples in source order without augmentation.", nameof(loader));
        int count = loader.Source.Count, width = network.FeatureCount;
        long rowBytes = (long)width * sizeof(float);
        int memoryRows = (int)Math.Min(count, Math.Max(0, memoryLimitBytes) / rowBytes);
        SafeFileHandle? spill = null;
        if (memoryRows < count)
        {
            Directory.CreateDirectory(spillDirectory);
            spill = File.OpenHandle(Path.Combine(spillDirectory, $"spectune-features-{Guid.NewGuid():N}.bin"), FileMode.CreateNew,
                FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose | FileOptions.RandomAccess, (count - memoryRows) * rowBytes);
        }
        var cache = new FeatureCache(key, count, width, loader.TargetKind, memoryRows, spill);
        try
        {
            cache.Fill(network, loader, device);
            return cache;
        }
        catch
        {
            cache.Dispose();
            throw;
        }
    }

    private void Fill(FineTuneNetwork network, DataLoader loader, Device device)
    {
        using var noGrad = no_grad();
        int row = 0;
        foreach (var batch in loader.Epoch(0))
        {
            using (batch)
            using (NewDisposeScope())
            {
                var features = network.Features(batch.Features.to(device)).to(torch.CPU).contiguous();
                if (features.shape.Length != 2 || features.shape[1] != Width)
                    throw new InvalidOperationException($"The backbone produced features shaped [{string.Join(", ", features.shape)}], expected [N, {Width}].");
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
    /// Batches of cached features [n, <see cref="Width"/>] and targets in <paramref name="order"/> (source indices, as
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
        var features = torch.empty([size, Width], ScalarType.Float32);
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
    /// A digest of <paramref name="network"/>'s backbone: every parameter and buffer outside the head slot (name, type,
    /// shape, values). Combine it with the data's identity through <see cref="ComputeKey(string, string)"/>.
    /// </summary>
    public static string BackboneDigest(FineTuneNetwork network)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var headPrefix = network.HeadSlot + ".";
        void Text(string text) => hash.AppendData(System.Text.Encoding.UTF8.GetBytes(text + "\n"));
        Text(network.GetType().FullName ?? network.GetName());
        using var scope = NewDisposeScope();
        var tensors = network.named_parameters().Select(p => (Kind: "p", p.name, Tensor: (Tensor)p.parameter))
            .Concat(network.named_buffers().Select(b => (Kind: "b", b.name, Tensor: b.buffer)));
        foreach (var (kind, name, tensor) in tensors)
        {
            if (name.StartsWith(headPrefix, StringComparison.Ordinal)) continue;
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
