using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Data;

/// <summary>
/// Turns an <see cref="IDataSource"/> into batches of tensors, epoch by epoch.
/// </summary>
/// <remarks>
/// Determinism: the sample order of an epoch is a pure function of (seed, epoch), and each sample's
/// augmentation draws from a generator seeded by (seed, epoch, source index). So a run resumed with
/// <c>skipBatches</c> sees exactly the batches an uninterrupted run would have, and results do not
/// depend on threads, prefetching or batch order.
/// <para>Batches are assembled in reused float buffers, samples in parallel, then copied into new
/// tensors on the consumer's thread (so they join the consumer's current dispose scope, if any).
/// The consumer owns every <see cref="Batch"/> it receives. Sources must allow concurrent reads.</para>
/// </remarks>
internal sealed partial class DataLoader : IBatchSource
{
    private readonly TransformPlan _plan;
    private readonly int _sampleLength;
    private readonly long[] _featureShape;
    private readonly ConcurrentBag<SampleScratch> _scratch = [];

    /// <param name="source">The samples.</param>
    /// <param name="batchSize">Samples per batch.</param>
    /// <param name="shuffle">Shuffle the order each epoch (seeded); false keeps source order.</param>
    /// <param name="seed">Drives shuffling and augmentation.</param>
    /// <param name="transforms">Applied to every sample; null for none.</param>
    /// <param name="training">True runs augmentations; false runs only preprocessing (validation).</param>
    /// <param name="prefetch">Batches prepared ahead on a background thread (or, while batches are cheap and no core is
    /// free for a worker, on the consumer's thread: see <see cref="PrefetchPlacement"/>); 0 prepares each batch when
    /// asked, its samples in parallel.</param>
    /// <param name="targetKind">How targets are shaped (see <see cref="Data.TargetKind"/>).</param>
    /// <param name="dropLast">Drop the last batch of an epoch when it is smaller than <paramref name="batchSize"/>.</param>
    public DataLoader(IDataSource source, int batchSize, bool shuffle, int seed, TransformPipeline? transforms = null,
        bool training = false, int prefetch = 0, TargetKind targetKind = TargetKind.ClassIndex, bool dropLast = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegative(prefetch);
        if (targetKind == TargetKind.ClassIndex && source.ClassCount == 0)
            throw new ArgumentException($"class-index targets need class-labelled data, but {source.Origin} has regression targets", nameof(targetKind));
        Source = source;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        Transforms = transforms ?? TransformPipeline.Empty;
        Training = training;
        Prefetch = prefetch;
        TargetKind = targetKind;
        DropLast = dropLast;
        _plan = Transforms.Plan(source.SampleShape, training);
        _sampleLength = _plan.OutputLength;
        SampleShape = _plan.OutputShape;
        _featureShape = [0, .. SampleShape.Select(d => (long)d)];
        BatchesPerEpoch = dropLast ? source.Count / batchSize : (source.Count + batchSize - 1) / batchSize;
    }

    public IDataSource Source { get; }

    public int BatchSize { get; }

    public bool Shuffle { get; }

    public int Seed { get; }

    public TransformPipeline Transforms { get; }

    public bool Training { get; }

    public int Prefetch { get; }

    public TargetKind TargetKind { get; }

    public bool DropLast { get; }

    /// <summary>Shape of one sample after the transforms: features are [batch, ..SampleShape].</summary>
    public IReadOnlyList<int> SampleShape { get; }

    public int BatchesPerEpoch { get; }

    /// <summary>The source indices of epoch <paramref name="epoch"/>, in the order they are batched.</summary>
    public int[] SampleOrder(int epoch)
    {
        var order = new int[Source.Count];
        for (int i = 0; i < order.Length; i++)
            order[i] = i;
        if (!Shuffle)
            return order;
        var random = new Random(SeedMixer.Combine(Seed, SeedMixer.ShuffleStream, epoch));
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>
    /// The batches of epoch <paramref name="epoch"/>, starting after the first <paramref name="skipBatches"/>
    /// (to resume an interrupted epoch). Stopping the enumeration early stops the prefetch worker.
    /// </summary>
    public IEnumerable<Batch> Epoch(int epoch, int skipBatches = 0, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        if (skipBatches < 0 || skipBatches > BatchesPerEpoch)
            throw new ArgumentOutOfRangeException(nameof(skipBatches), skipBatches, $"expected 0..{BatchesPerEpoch} (batches per epoch)");
        var order = SampleOrder(epoch);
        return Prefetch > 0
            ? Placed(order, epoch, skipBatches, cancellationToken)
            : Synchronous(order, epoch, skipBatches, cancellationToken);
    }

    /// <summary>
    /// Where prefetching batches are prepared; <see cref="PrefetchPlacement.Auto"/> unless a test pins it. Kept across
    /// epochs, so a loader that needed its worker once starts later epochs with it.
    /// </summary>
    internal PrefetchPlacement Placement { get; init; } = PrefetchPlacement.Auto();

    /// <summary>
    /// Prefetching, placed where it costs least: on a background worker when a core is free for it (libtorch runs
    /// fewer intra-op threads than there are cores) or once preparing a batch costs a noticeable part of a step;
    /// otherwise on the consumer's thread just before the batch is handed over. A cheap batch (Fashion-MNIST: 0.04 ms
    /// for 128 samples) costs far less inline than a worker does when every core runs an intra-op thread: each time it
    /// wakes it preempts one, and the whole parallel region waits for that thread (measured: 3-6 steps per 40 take
    /// ~10 ms longer on 2 cores, 2 threads; none inline).
    /// </summary>
    private IEnumerable<Batch> Placed(int[] order, int epoch, int firstBatch, CancellationToken cancellationToken)
    {
        int b = firstBatch;
        if (!Placement.UseWorker(spareCore: torch.get_num_threads() < Environment.ProcessorCount))
        {
            var host = NewHostBatch();
            Placement.StartEpoch();
            for (; b < BatchesPerEpoch && !Placement.WorkerNeeded; b++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long started = Placement.Now();
                Fill(host, order, epoch, b, parallel: false, cancellationToken);
                Placement.FilledInline(started, Placement.Now());
                yield return ToBatch(host);
            }
        }
        // The rest of the epoch (all of it, or from where inline filling became too costly) from the worker.
        if (b < BatchesPerEpoch)
            foreach (var batch in Prefetched(order, epoch, b, cancellationToken))
                yield return batch;
    }

    private HostBatch NewHostBatch() => new(BatchSize, _sampleLength);

    private void Fill(HostBatch host, int[] order, int epoch, int batchIndex, bool parallel, CancellationToken cancellationToken)
    {
        int start = batchIndex * BatchSize;
        host.Size = Math.Min(BatchSize, order.Length - start);
        if (!parallel)
        {
            var scratch = RentScratch();
            try
            {
                for (int i = 0; i < host.Size; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    FillSample(host, i, order[start + i], epoch, scratch);
                }
            }
            finally
            {
                _scratch.Add(scratch);
            }
            return;
        }
        try
        {
            Parallel.For(0, host.Size, new ParallelOptions { CancellationToken = cancellationToken },
                RentScratch,
                (i, _, scratch) =>
                {
                    FillSample(host, i, order[start + i], epoch, scratch);
                    return scratch;
                },
                _scratch.Add);
        }
        catch (AggregateException e)
        {
            // Report what went wrong with the sample (a DataException naming the file), not the parallel loop.
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

    private SampleScratch RentScratch() =>
        _scratch.TryTake(out var scratch) ? scratch : new SampleScratch(_plan.InputLength, _plan.MaxLength);

    private void FillSample(HostBatch host, int slot, int index, int epoch, SampleScratch scratch)
    {
        Source.ReadFeatures(index, scratch.Raw);
        var random = Training && _plan.NeedsRandom
            ? new Random(SeedMixer.Combine(Seed, SeedMixer.AugmentStream, epoch, index))
            : null;
        _plan.Run(scratch.Raw, host.Features.AsSpan(slot * _sampleLength, _sampleLength), random, scratch.A, scratch.B);

        float target = Source.ReadTarget(index);
        if (TargetKind == TargetKind.ClassIndex && (target < 0 || target >= Source.ClassCount || target != MathF.Floor(target)))
            throw new DataException(Source.Origin, $"sample {index} has label {target}, outside the class range; expected an integer 0..{Source.ClassCount - 1}");
        host.Targets[slot] = target;
        host.ClassIndices[slot] = (long)target;
    }

    private Batch ToBatch(HostBatch host)
    {
        int size = host.Size;
        var shape = (long[])_featureShape.Clone();
        shape[0] = size;
        var features = torch.empty(shape, ScalarType.Float32);
        Tensor? targets = null;
        try
        {
            features.bytes = MemoryMarshal.AsBytes(host.Features.AsSpan(0, size * _sampleLength));
            if (TargetKind == TargetKind.ClassIndex)
            {
                targets = torch.empty([size], ScalarType.Int64);
                targets.bytes = MemoryMarshal.AsBytes(host.ClassIndices.AsSpan(0, size));
            }
            else
            {
                targets = torch.empty([size, 1], ScalarType.Float32);
                targets.bytes = MemoryMarshal.AsBytes(host.Targets.AsSpan(0, size));
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
}
