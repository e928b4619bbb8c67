using System.Globalization;
using SpecTune.Checkpoints;
using SpecTune.Tests.Weights;
using SpecTune.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Tests.Checkpoints;

[Collection(GlobalTorchRngCollection.Name)]
public sealed class CheckpointStoreTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static nn.Module<Tensor, Tensor> Net(int seed)
    {
        torch.manual_seed(seed);
        return nn.Sequential(("conv1", nn.Conv2d(1, 2, 3)), ("bn1", nn.BatchNorm2d(2)), ("fc", nn.Linear(2, 1)));
    }

    private static TrainingCheckpoint State(string specHash = "spec-abc") => new()
    {
        SpecHash = specHash,
        PhaseIndex = 1,
        Epoch = 3,
        Step = 1234567890123,
        StepInEpoch = 17,
        BestMetric = 0.1 + 0.2, // not representable in few digits: the text must round-trip exactly
        EpochsWithoutImprovement = 2,
        Metadata = new Dictionary<string, string> { ["scheduler"] = "one-cycle", ["run"] = "r1" },
    };

    [Fact]
    public void No_checkpoint_in_the_folder_loads_as_null()
    {
        var store = new CheckpointStore(_folder.File("run"));
        Assert.False(store.HasCheckpoint);
        Assert.Null(store.TryLoadLatest());
    }

    [Fact]
    public void A_checkpoint_round_trips_state_model_optimizer_best_weights_and_rng()
    {
        var store = new CheckpointStore(_folder.File("run"));
        using var model = Net(1);
        using var momentum = randn(2, 1, 3, 3);
        using var stepCount = tensor(42L);
        var best = WeightLoader.StateOf(model);
        var optimizer = new Dictionary<string, Tensor> { ["0.momentum_buffer"] = momentum, ["0.step"] = stepCount };

        torch.manual_seed(99);
        using (rand(5)) { } // move the generator off its seeded start
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = new CultureInfo("de-DE"); // decimal comma: the file must not care
        try
        {
            store.Save(State(), model, optimizer, best);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
        using var expectedDraws = rand(8);
        using var otherDraws = rand(8); // the generator moves on; restoring must bring it back

        using var fresh = Net(2);
        using (var loaded = store.TryLoadLatest("spec-abc"))
        {
            Assert.NotNull(loaded);
            var state = loaded.State;
            Assert.Equal(("spec-abc", 1, 3, 1234567890123L, 17, 0.1 + 0.2, 2),
                (state.SpecHash, state.PhaseIndex, state.Epoch, state.Step, state.StepInEpoch, state.BestMetric, state.EpochsWithoutImprovement));
            Assert.Equal(new Dictionary<string, string> { ["scheduler"] = "one-cycle", ["run"] = "r1" }, state.Metadata);

            Assert.True(loaded.RestoreModel(fresh).IsExact);
            Assert.True(TensorAssert.Identical(momentum, loaded.Optimizer["0.momentum_buffer"]));
            Assert.True(TensorAssert.Identical(stepCount, loaded.Optimizer["0.step"]));
            Assert.NotNull(loaded.Best);
            Assert.Equal(best.Keys.Order(), loaded.Best.Keys.Order());

            loaded.RestoreRng();
        }
        using var replayedDraws = rand(8);
        Assert.True(TensorAssert.Identical(expectedDraws, replayedDraws), "restoring the RNG did not reproduce the draws");
        Assert.False(TensorAssert.Identical(expectedDraws, otherDraws));

        var saved = WeightLoader.StateOf(model);
        var restored = WeightLoader.StateOf(fresh);
        try
        {
            foreach (var (name, t) in saved)
                Assert.True(TensorAssert.Identical(t, restored[name]), $"'{name}' differs after restoring");
        }
        finally
        {
            foreach (var t in saved.Values.Concat(restored.Values).Concat(best.Values))
                t.Dispose();
        }
    }

    [Fact]
    public void A_checkpoint_without_best_metric_or_best_weights_loads_them_as_absent()
    {
        var store = new CheckpointStore(_folder.Path);
        using var model = Net(1);
        store.Save(State() with { BestMetric = null, Metadata = new Dictionary<string, string>() }, model);

        using var loaded = store.TryLoadLatest()!;
        Assert.Null(loaded.State.BestMetric);
        Assert.Null(loaded.Best);
        Assert.Empty(loaded.Optimizer);
        Assert.Empty(loaded.State.Metadata);
        using var other = Net(2);
        Assert.Throws<InvalidOperationException>(() => loaded.RestoreBest(other));
    }

    [Fact]
    public void A_changed_spec_is_a_clear_error()
    {
        var store = new CheckpointStore(_folder.Path);
        using var model = Net(1);
        store.Save(State("old-hash"), model);

        var error = Assert.Throws<CheckpointException>(() => store.TryLoadLatest("new-hash"));
        Assert.Equal(store.LatestPath, error.Path);
        Assert.Contains("the spec changed since this checkpoint was saved (checkpoint spec hash old-hash, current spec hash new-hash)", error.Message);
        Assert.Contains("delete the checkpoint", error.Message);
    }

    [Fact]
    public void A_truncated_checkpoint_is_a_CheckpointException_naming_the_file()
    {
        var store = new CheckpointStore(_folder.Path);
        using var model = Net(1);
        store.Save(State(), model);
        var bytes = File.ReadAllBytes(store.LatestPath);

        foreach (var length in new[] { 0, 4, 100, bytes.Length / 2, bytes.Length - 1 })
        {
            File.WriteAllBytes(store.LatestPath, bytes[..length]);
            var error = Assert.Throws<CheckpointException>(() => store.TryLoadLatest());
            Assert.Equal(store.LatestPath, error.Path);
            Assert.StartsWith(store.LatestPath + ": the checkpoint is damaged (truncated or corrupt): ", error.Message);
            Assert.IsType<WeightsFormatException>(error.InnerException);
        }
    }

    [Fact]
    public void Damage_inside_the_tensor_data_fails_the_checksum()
    {
        var store = new CheckpointStore(_folder.Path);
        using var model = Net(1);
        store.Save(State(), model);
        var bytes = File.ReadAllBytes(store.LatestPath);
        bytes[^3] ^= 0x10; // the last tensor's data: rng.torch sorts last
        File.WriteAllBytes(store.LatestPath, bytes);

        var error = Assert.Throws<CheckpointException>(() => store.TryLoadLatest());
        Assert.Equal("the checkpoint is corrupt: its tensor data does not match the checksum saved with it", error.Problem);
    }

    [Fact]
    public void A_safetensors_file_that_is_not_a_checkpoint_is_refused()
    {
        var store = new CheckpointStore(_folder.Path);
        using var model = Net(1);
        WeightLoader.SaveModule(store.LatestPath, model);

        var error = Assert.Throws<CheckpointException>(() => store.TryLoadLatest());
        Assert.Equal("not a SpecTune checkpoint (its metadata has no 'spectune.checkpoint')", error.Problem);
    }

    [Fact]
    public void A_failed_save_keeps_the_previous_checkpoint()
    {
        var store = new CheckpointStore(_folder.Path);
        using var model = Net(1);
        store.Save(State() with { Epoch = 1 }, model);
        var before = File.ReadAllBytes(store.LatestPath);

        using var meta = empty(new long[] { 4 }, device: new Device(DeviceType.META));
        Assert.ThrowsAny<Exception>(() => store.Save(State() with { Epoch = 2 }, model, new Dictionary<string, Tensor> { ["0.exp_avg"] = meta }));

        Assert.Equal(before, File.ReadAllBytes(store.LatestPath));
        Assert.Equal(new[] { CheckpointStore.LatestFileName }, _folder.Entries());
        using var loaded = store.TryLoadLatest()!;
        Assert.Equal(1, loaded.State.Epoch);
    }

    [Fact]
    public void Temp_files_left_by_a_crashed_save_are_removed_by_the_next_save()
    {
        var store = new CheckpointStore(_folder.Path);
        File.WriteAllText(_folder.File($".{CheckpointStore.LatestFileName}.0123abcd.tmp"), "half a checkpoint");
        using var model = Net(1);
        store.Save(State(), model);
        Assert.Equal(new[] { CheckpointStore.LatestFileName }, _folder.Entries());
    }
}
