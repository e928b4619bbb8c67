using SpecTune.Data;

namespace SpecTune.Tests.Data;

public class BatchPrefetcherTests
{
    [Fact]
    public void A_consumer_that_finds_no_batch_ready_is_reported_so_the_loader_can_fill_in_parallel()
    {
        using var gate = new ManualResetEventSlim(false);
        using var waited = new ManualResetEventSlim(false);
        int reports = 0;
        using var prefetcher = new BatchPrefetcher(1, () => new HostBatch(1, 1), 0, 3,
            (host, b, token) => { if (b == 1) gate.Wait(token); host.Size = 1; host.Features[0] = b; },
            CancellationToken.None,
            onConsumerWaits: () => { Interlocked.Increment(ref reports); waited.Set(); });

        // The first batch is always waited for: never reported.
        Assert.True(prefetcher.TryTake(out var first));
        Assert.Equal(0, reports);
        prefetcher.Return(first);

        // Batch 1 cannot be ready until the gate opens, so asking for it now is a wait, reported before blocking.
        var second = Task.Run(() => prefetcher.TryTake(out var batch) ? batch.Features[0] : -1);
        Assert.True(waited.Wait(TimeSpan.FromSeconds(30)), "the wait was not reported");
        gate.Set();
        Assert.Equal(1f, second.Result);
        Assert.Equal(1, reports);
    }
}

public class FillPolicyTests
{
    [Theory]
    [InlineData(false, 10, 12, false)] // the consumer never waited: the worker keeps up on its own thread
    [InlineData(true, 1, 40, false)]   // it waited once (a descheduled worker), but a fill is cheap next to a step
    [InlineData(true, 10, 12, true)]   // it waited and a fill takes most of a step: the worker is the bottleneck
    public void Samples_are_filled_in_parallel_only_when_the_worker_is_the_bottleneck(bool waited, long fill, long step, bool parallel)
    {
        var policy = new DataLoader.FillPolicy();
        policy.Took(1000);
        policy.Took(1000 + step);
        policy.Filled(fill);
        if (waited) policy.ConsumerWaited();

        Assert.Equal(parallel, policy.Parallel);
    }
}
