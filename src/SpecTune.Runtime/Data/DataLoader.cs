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
internal sealed class DataLoader : IBatchSource
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

    /// <summary>
    /// Decides where a prefetching loader prepares batches (see <see cref="Placed"/>). Inline fills are timed against
    /// the interval between fills (a fill plus the step that consumed the batch before); once their running share
    /// passes the limit (<see cref="DefaultInlineShareLimit"/> unless a test sets another), the loader moves to its worker for good.
    /// </summary>
    internal sealed class PrefetchPlacement
    {
        /// <summary>Share of a step above which an inline fill costs more than a worker would (its preemptions, measured ~5%).</summary>
        public const double DefaultInlineShareLimit = 0.05;

        private readonly double _limit;
        private readonly bool? _worker;
        private readonly Func<long> _clock;
        private long _previousStart;
        private double _share;
        private int _intervals;

        private PrefetchPlacement(double limit, bool? worker, Func<long>? clock) =>
            (_limit, _worker, _clock) = (limit, worker, clock ?? Stopwatch.GetTimestamp);

        /// <summary>
        /// Decides by the cores and the measured cost of a fill. <paramref name="clock"/> (Stopwatch ticks by default) times
        /// the fills; a test passes a clock of its own so that the decision does not depend on how fast the machine is.
        /// </summary>
        public static PrefetchPlacement Auto(double inlineShareLimit = DefaultInlineShareLimit, Func<long>? clock = null) => new(inlineShareLimit, null, clock);

        /// <summary>The time a fill starts or ends, in the clock's ticks.</summary>
        public long Now() => _clock();

        /// <summary>Always the worker (true) or always inline (false); for tests.</summary>
        public static PrefetchPlacement Fixed(bool worker) => new(double.PositiveInfinity, worker, null);

        /// <summary>Set once inline fills have cost more than the limit; it stays set.</summary>
        public bool WorkerNeeded { get; private set; }

        public bool UseWorker(bool spareCore) => _worker ?? (spareCore || WorkerNeeded);

        /// <summary>The interval across an epoch boundary holds evaluation and checkpoints, not a step: not counted.</summary>
        public void StartEpoch() => _previousStart = 0;

        /// <summary>An inline fill ran from <paramref name="started"/> to <paramref name="finished"/> (Stopwatch ticks).</summary>
        public void FilledInline(long started, long finished)
        {
            if (_previousStart != 0 && started > _previousStart)
            {
                double share = (double)(finished - started) / (started - _previousStart);
                // A running mean over the last few intervals, so one slow fill (a page of the file read cold) does not decide.
                _share = _intervals == 0 ? share : 0.75 * _share + 0.25 * share;
                if (++_intervals >= 3 && _share > _limit && _worker is null) WorkerNeeded = true;
            }
            _previousStart = started;
        }
    }

    private IEnumerable<Batch> Synchronous(int[] order, int epoch, int firstBatch, CancellationToken cancellationToken)
    {
        var host = NewHostBatch();
        for (int b = firstBatch; b < BatchesPerEpoch; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Without prefetching the step waits for every batch, so its samples are always prepared in parallel.
            Fill(host, order, epoch, b, parallel: true, cancellationToken);
            yield return ToBatch(host);
        }
    }

    private IEnumerable<Batch> Prefetched(int[] order, int epoch, int firstBatch, CancellationToken cancellationToken)
    {
        // The worker fills batches on its own thread; it spreads samples over the thread pool only when the step has had
        // to wait for a batch and filling one takes a good part of a step (FillPolicy). Parallel.For on cheap samples
        // costs more CPU than it saves (thread-pool wake-ups and spinning), and its threads take cores from libtorch's
        // intra-op threads, which all wait at every OpenMP barrier for one that was descheduled: measured ~12% fewer
        // samples per CPU-second on a 2-core machine.
        var policy = new FillPolicy();
        using var prefetcher = new BatchPrefetcher(Prefetch, NewHostBatch, firstBatch, BatchesPerEpoch,
            (host, b, token) =>
            {
                bool parallel = policy.Parallel;
                long started = Stopwatch.GetTimestamp();
                Fill(host, order, epoch, b, parallel, token);
                if (!parallel) policy.Filled(Stopwatch.GetTimestamp() - started);
            },
            cancellationToken, onConsumerWaits: policy.ConsumerWaited);
        while (prefetcher.TryTake(out var host))
        {
            policy.Took(Stopwatch.GetTimestamp());
            Batch batch;
            try
            {
                batch = ToBatch(host);
            }
            finally
            {
                prefetcher.Return(host);
            }
            yield return batch;
        }
    }

    /// <summary>
    /// Whether the prefetch worker should fill samples in parallel: only once the consumer has waited for a batch and
    /// a sequential fill takes at least half the consumer's interval between batches (the worker is the bottleneck).
    /// Timestamps are <see cref="Stopwatch"/> ticks; the worker and the consumer call from their own threads.
    /// </summary>
    internal sealed class FillPolicy
    {
        private long _fillTicks, _intervalTicks = long.MaxValue, _previousTake;
        private volatile bool _starved;

        public bool Parallel => _starved && Interlocked.Read(ref _fillTicks) * 2 >= Interlocked.Read(ref _intervalTicks);

        /// <summary>The consumer found no batch ready.</summary>
        public void ConsumerWaited() => _starved = true;

        /// <summary>The consumer took a batch at <paramref name="timestamp"/>.</summary>
        public void Took(long timestamp)
        {
            if (_previousTake != 0) Interlocked.Exchange(ref _intervalTicks, timestamp - _previousTake);
            _previousTake = timestamp;
        }

        /// <summary>A sequential fill took <paramref name="ticks"/>.</summary>
        public void Filled(long ticks) => Interlocked.Exchange(ref _fillTicks, ticks);
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
