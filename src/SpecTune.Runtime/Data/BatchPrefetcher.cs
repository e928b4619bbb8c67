using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;

namespace SpecTune.Data;

/// <summary>
/// Fills host batches on a background thread while the consumer trains on earlier ones. Exactly
/// <c>depth</c> buffers circulate between a free queue and a ready queue, which bounds both memory and
/// how far the worker runs ahead. A failure in the worker is rethrown, unchanged, on the consumer's
/// thread after the batches ready before it; disposing stops the worker and waits for it.
/// </summary>
internal sealed class BatchPrefetcher : IDisposable
{
    private readonly BlockingCollection<HostBatch> _free = new();
    private readonly BlockingCollection<HostBatch> _ready = new();
    private readonly CancellationTokenSource _stop;
    private readonly CancellationToken _consumerToken;
    private readonly Task _worker;
    private volatile ExceptionDispatchInfo? _failure;
    private readonly Action? _onConsumerWaits;
    private int _taken;

    /// <param name="depth">Buffers in circulation: the most batches prepared ahead of the consumer.</param>
    /// <param name="createBuffer">Makes one empty host batch.</param>
    /// <param name="firstBatch">First batch index to produce.</param>
    /// <param name="endBatch">One past the last batch index.</param>
    /// <param name="fill">Fills a buffer with the batch of the given index.</param>
    /// <param name="cancellationToken">The consumer's token; cancelling it stops the worker too.</param>
    /// <param name="onConsumerWaits">Called when the consumer asks for a batch (other than the first) and none is ready:
    /// the worker is the bottleneck.</param>
    public BatchPrefetcher(int depth, Func<HostBatch> createBuffer, int firstBatch, int endBatch,
        Action<HostBatch, int, CancellationToken> fill, CancellationToken cancellationToken, Action? onConsumerWaits = null)
    {
        _onConsumerWaits = onConsumerWaits;
        for (int i = 0; i < depth; i++)
            _free.Add(createBuffer());
        _consumerToken = cancellationToken;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // A dedicated thread: the worker blocks on the free queue, and batch assembly itself uses the pool.
        _worker = Task.Factory.StartNew(() => Produce(firstBatch, endBatch, fill), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Waits for the next batch; false at the end of the epoch. Rethrows the worker's failure.</summary>
    public bool TryTake([NotNullWhen(true)] out HostBatch? batch)
    {
        // The first batch is always waited for; a later empty queue means the worker falls behind the consumer.
        if (_taken++ > 0 && _ready.Count == 0 && !_ready.IsAddingCompleted) _onConsumerWaits?.Invoke();
        if (_ready.TryTake(out batch, Timeout.Infinite, _consumerToken))
            return true;
        _failure?.Throw();
        // The worker may have seen the consumer's cancellation before this thread did.
        _consumerToken.ThrowIfCancellationRequested();
        return false;
    }

    /// <summary>Hands a consumed buffer back to the worker.</summary>
    public void Return(HostBatch batch) => _free.Add(batch);

    public void Dispose()
    {
        _stop.Cancel();
        _worker.Wait();
        _stop.Dispose();
        _free.Dispose();
        _ready.Dispose();
    }

    private void Produce(int firstBatch, int endBatch, Action<HostBatch, int, CancellationToken> fill)
    {
        var token = _stop.Token;
        try
        {
            for (int b = firstBatch; b < endBatch; b++)
            {
                var buffer = _free.Take(token);
                fill(buffer, b, token);
                _ready.Add(buffer, token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped by Dispose or by the consumer's token; the consumer reports its own cancellation.
        }
        catch (Exception e)
        {
            _failure = ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            _ready.CompleteAdding();
        }
    }
}
