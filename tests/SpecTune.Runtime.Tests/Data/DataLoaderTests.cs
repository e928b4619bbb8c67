using SpecTune.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Tests.Data;

public class DataLoaderTests
{
    // Random crop and flip make every batch depend on the augmentation seeds as well as the order.
    private static readonly TransformPipeline Augmented = new([new RandomCropTransform(1), new RandomHorizontalFlipTransform()]);

    private sealed record HostCopy(float[] Features, long[] Shape, float[] Targets, int Size);

    private static List<HostCopy> Read(IEnumerable<Batch> batches)
    {
        var result = new List<HostCopy>();
        foreach (var batch in batches)
        {
            using (batch)
            {
                using var targets = batch.Targets.to_type(ScalarType.Float32);
                result.Add(new HostCopy(batch.Features.data<float>().ToArray(), batch.Features.shape, targets.data<float>().ToArray(), batch.Size));
            }
        }
        return result;
    }

    private static void AssertSame(IReadOnlyList<HostCopy> expected, IReadOnlyList<HostCopy> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int b = 0; b < expected.Count; b++)
        {
            Assert.Equal(expected[b].Shape, actual[b].Shape);
            Assert.Equal(expected[b].Features, actual[b].Features);
            Assert.Equal(expected[b].Targets, actual[b].Targets);
        }
    }

    [Fact]
    public void Batches_samples_in_order_and_keeps_the_last_partial_batch()
    {
        var loader = new DataLoader(new SyntheticSource(10), batchSize: 4, shuffle: false, seed: 0);

        var batches = loader.Epoch(0).ToList();
        try
        {
            Assert.Equal([4, 4, 2], batches.Select(b => b.Size));
            Assert.Equal([2L, 1, 2, 3], batches[2].Features.shape);
            Assert.Equal(ScalarType.Int64, batches[0].Targets.dtype);
            Assert.Equal([4L], batches[0].Targets.shape);
            Assert.Equal([1L, 2, 0, 1], batches[1].Targets.data<long>().ToArray());
            Assert.Equal(Enumerable.Range(0, 6).Select(p => 900f + p), batches[2].Features[1].flatten().data<float>().ToArray());
        }
        finally
        {
            batches.ForEach(b => b.Dispose());
        }
    }

    [Fact]
    public void Drop_last_leaves_out_the_partial_batch()
    {
        var loader = new DataLoader(new SyntheticSource(10), batchSize: 4, shuffle: false, seed: 0, dropLast: true);

        Assert.Equal(2, loader.BatchesPerEpoch);
        Assert.Equal([4, 4], Read(loader.Epoch(0)).Select(b => b.Size));
    }

    [Fact]
    public void Value_targets_are_float_columns()
    {
        var loader = new DataLoader(new SyntheticSource(3, classes: 0), batchSize: 3, shuffle: false, seed: 0, targetKind: TargetKind.Value);

        using var batch = loader.Epoch(0).Single();

        Assert.Equal(ScalarType.Float32, batch.Targets.dtype);
        Assert.Equal([3L, 1], batch.Targets.shape);
        Assert.Equal([0f, 0.5f, 1f], batch.Targets.data<float>().ToArray());
    }

    [Fact]
    public void Shuffle_order_is_a_function_of_seed_and_epoch()
    {
        var source = new SyntheticSource(50);
        var loader = new DataLoader(source, 8, shuffle: true, seed: 7);
        var twin = new DataLoader(source, 8, shuffle: true, seed: 7);
        var otherSeed = new DataLoader(source, 8, shuffle: true, seed: 8);

        Assert.Equal(loader.SampleOrder(3), twin.SampleOrder(3));
        Assert.NotEqual(loader.SampleOrder(3), loader.SampleOrder(4));
        Assert.NotEqual(loader.SampleOrder(3), otherSeed.SampleOrder(3));
        Assert.Equal(Enumerable.Range(0, 50), loader.SampleOrder(3).Order());
        AssertSame(Read(loader.Epoch(2)), Read(twin.Epoch(2)));
    }

    [Fact]
    public void Skipping_batches_resumes_exactly_where_an_uninterrupted_epoch_was()
    {
        var source = new SyntheticSource(23);
        var full = Read(new DataLoader(source, 5, shuffle: true, seed: 3, Augmented, training: true).Epoch(1));

        var resumed = Read(new DataLoader(source, 5, shuffle: true, seed: 3, Augmented, training: true).Epoch(1, skipBatches: 2));

        AssertSame(full.Skip(2).ToList(), resumed);
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(3, true)]
    [InlineData(2, false)]
    public void Prefetching_yields_the_same_batches_as_preparing_on_demand(int prefetch, bool worker)
    {
        var source = new SyntheticSource(37);
        var onDemand = Read(new DataLoader(source, 4, shuffle: true, seed: 11, Augmented, training: true).Epoch(5));

        var loader = new DataLoader(source, 4, shuffle: true, seed: 11, Augmented, training: true, prefetch: prefetch)
        {
            Placement = DataLoader.PrefetchPlacement.Fixed(worker),
        };
        var prefetched = Read(loader.Epoch(5));

        AssertSame(onDemand, prefetched);
    }

    [Fact]
    public void A_loader_that_moves_to_its_worker_mid_epoch_yields_the_same_batches()
    {
        var source = new SyntheticSource(37);
        var onDemand = Read(new DataLoader(source, 4, shuffle: true, seed: 11, Augmented, training: true).Epoch(5));
        // A clock of the test's own: every fill takes 10 ticks of a 100-tick interval, a share of 0.1, above the default
        // limit (0.05): inline for four batches (three intervals, the running mean's minimum), then the worker.
        long calls = 0;
        long Clock() { long call = calls++; return 1000 + call / 2 * 100 + (call % 2) * 10; }
        var placement = DataLoader.PrefetchPlacement.Auto(clock: Clock);
        var loader = new DataLoader(source, 4, shuffle: true, seed: 11, Augmented, training: true, prefetch: 2) { Placement = placement };

        var batches = new List<HostCopy>();
        foreach (var batch in loader.Epoch(5)) batches.AddRange(Read([batch]));

        Assert.Equal(8, calls); // the inline fills: a start and an end each
        Assert.True(placement.WorkerNeeded);
        Assert.True(placement.UseWorker(spareCore: false));
        AssertSame(onDemand, batches);
    }

    [Fact]
    public void Augmentation_is_random_per_epoch_and_skipped_outside_training()
    {
        var source = new SyntheticSource(16);
        var training = new DataLoader(source, 16, shuffle: false, seed: 1, Augmented, training: true);
        var evaluation = new DataLoader(source, 16, shuffle: false, seed: 1, Augmented, training: false);

        var epoch0 = Read(training.Epoch(0)).Single().Features;
        var epoch1 = Read(training.Epoch(1)).Single().Features;
        var plain = Read(evaluation.Epoch(0)).Single().Features;

        Assert.NotEqual(epoch0, epoch1);
        Assert.Equal(Enumerable.Range(0, 16).SelectMany(i => Enumerable.Range(0, 6).Select(p => i * 100f + p)), plain);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(2, true)]
    [InlineData(2, false)]
    public void A_failing_sample_surfaces_on_the_consumer_with_its_own_message(int prefetch, bool worker)
    {
        var loader = new DataLoader(new SyntheticSource(20, failAt: 13), 4, shuffle: false, seed: 0, prefetch: prefetch)
        {
            Placement = DataLoader.PrefetchPlacement.Fixed(worker),
        };
        var received = 0;

        var error = Assert.Throws<DataException>(() =>
        {
            foreach (var batch in loader.Epoch(0))
            {
                batch.Dispose();
                received++;
            }
        });

        Assert.Equal("/synthetic/sample-13: is broken on purpose", error.Message);
        Assert.Equal(3, received);
    }

    [Fact]
    public void Cancelling_stops_the_epoch_with_an_operation_cancelled_exception()
    {
        using var cancel = new CancellationTokenSource();
        var loader = new DataLoader(new SyntheticSource(100), 2, shuffle: false, seed: 0, prefetch: 2);

        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (var batch in loader.Epoch(0, cancellationToken: cancel.Token))
            {
                batch.Dispose();
                cancel.Cancel();
            }
        });
    }

    [Fact]
    public void Leaving_an_epoch_early_stops_its_worker_and_the_next_epoch_is_complete()
    {
        // Slow reads keep the worker busy preparing the next batches when the consumer leaves.
        var source = new SyntheticSource(40, readDelayMs: 10);
        var loader = new DataLoader(source, 2, shuffle: false, seed: 0, prefetch: 2) { Placement = DataLoader.PrefetchPlacement.Fixed(worker: true) };

        foreach (var batch in loader.Epoch(0))
        {
            batch.Dispose();
            break;
        }
        // Leaving the loop disposed the enumerator, which waits for the worker: no read is still running, and the reads
        // are at most the batches the worker may have been preparing (the consumed one, two prefetched, one being filled).
        Assert.Equal(0, source.InFlight);
        var readsAfterBreak = source.Reads;
        Assert.InRange(readsAfterBreak, 2, 2 * 4);

        // The next epoch reads exactly its own 40 samples: nothing of the first epoch's worker reads alongside it.
        Assert.Equal(20, Read(loader.Epoch(1)).Count);
        Assert.Equal(readsAfterBreak + 40, source.Reads);
    }

    [Fact]
    public void A_label_outside_the_class_range_is_a_data_error()
    {
        var loader = new DataLoader(new SyntheticSource(4, classes: 3, labelOverride: 5), 4, shuffle: false, seed: 0);

        var error = Assert.Throws<DataException>(() => Read(loader.Epoch(0)));

        Assert.Contains("label 5, outside the class range; expected an integer 0..2", error.Message);
    }

    [Fact]
    public void Class_index_targets_need_class_labels()
    {
        Assert.Throws<ArgumentException>(() => new DataLoader(new SyntheticSource(4, classes: 0), 2, shuffle: false, seed: 0));
    }
}
