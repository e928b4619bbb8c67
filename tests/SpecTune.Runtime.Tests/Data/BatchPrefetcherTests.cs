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

public class PrefetchPlacementTests
{
    private const long Step = 1_000_000;

    [Fact]
    public void A_free_core_gets_the_worker_from_the_start() =>
        Assert.True(DataLoader.PrefetchPlacement.Auto().UseWorker(spareCore: true));

    [Fact]
    public void Cheap_fills_stay_on_the_consumer_when_every_core_runs_an_intra_op_thread()
    {
        var placement = DataLoader.PrefetchPlacement.Auto();
        placement.StartEpoch();
        for (long t = 1; t <= 40; t++) placement.FilledInline(t * Step, t * Step + Step / 100); // 1% of a step

        Assert.False(placement.WorkerNeeded);
        Assert.False(placement.UseWorker(spareCore: false));
    }

    [Fact]
    public void Fills_that_cost_a_noticeable_part_of_a_step_move_to_the_worker_for_good()
    {
        var placement = DataLoader.PrefetchPlacement.Auto();
        placement.StartEpoch();
        // Two intervals at 10% are not yet enough to decide ...
        for (long t = 1; t <= 3; t++) placement.FilledInline(t * Step, t * Step + Step / 10);
        Assert.False(placement.WorkerNeeded);
        // ... the third is.
        placement.FilledInline(4 * Step, 4 * Step + Step / 10);
        Assert.True(placement.WorkerNeeded);

        placement.StartEpoch();
        Assert.True(placement.UseWorker(spareCore: false));
    }

    [Fact]
    public void One_slow_fill_among_cheap_ones_does_not_decide()
    {
        var placement = DataLoader.PrefetchPlacement.Auto();
        placement.StartEpoch();
        for (long t = 1; t <= 10; t++) placement.FilledInline(t * Step, t * Step + Step / 200);
        placement.FilledInline(11 * Step, 11 * Step + Step / 8); // 12.5% once: a cold page of the file
        for (long t = 12; t <= 20; t++) placement.FilledInline(t * Step, t * Step + Step / 200);

        Assert.False(placement.WorkerNeeded);
    }

    [Fact]
    public void The_gap_across_an_epoch_boundary_is_not_a_step()
    {
        var placement = DataLoader.PrefetchPlacement.Auto();
        placement.StartEpoch();
        placement.FilledInline(Step, Step + Step / 100);
        placement.StartEpoch();
        // Measured from the previous epoch's last fill, this fill's share would be tiny and hold the running share under
        // 5% for the next three 6% intervals; after StartEpoch it is not measured, and those three decide on their own.
        placement.FilledInline(1000 * Step, 1000 * Step + Step * 6 / 100);
        for (long t = 1001; t <= 1003; t++) placement.FilledInline(t * Step, t * Step + Step * 6 / 100);

        Assert.True(placement.WorkerNeeded);
    }

    [Fact]
    public void A_fixed_placement_never_changes()
    {
        var inline = DataLoader.PrefetchPlacement.Fixed(worker: false);
        inline.StartEpoch();
        for (long t = 1; t <= 10; t++) inline.FilledInline(t * Step, t * Step + Step / 2);

        Assert.False(inline.UseWorker(spareCore: true));
        Assert.True(DataLoader.PrefetchPlacement.Fixed(worker: true).UseWorker(spareCore: false));
    }
}
