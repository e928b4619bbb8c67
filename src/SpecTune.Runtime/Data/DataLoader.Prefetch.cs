using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Data;

/// <summary>Where batches are prepared: inline on the training thread or on a worker one batch ahead, and the
/// policies that decide it.</summary>
internal sealed partial class DataLoader
{
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
}
