using SpecTune.Spec;
using SpecTune.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Tests.Training;

[Collection(GlobalTorchRngCollection.Name)]
public class RegularizationAndStoppingTests
{
    [Fact]
    public void L2sp_is_zero_at_the_pretrained_weights_and_pulls_trained_base_parameters_back_toward_them()
    {
        using var ws = TestWorkspace.WithBinaryData(train: 16, valid: 16);
        using var job = FineTuneJob.FromYamlFile(ws.WriteSpec("tiny.spectune.yaml", Specs.BinaryCnn()));
        var stem = job.Groups["stem"];
        var head = job.Groups["head"];
        using var l2sp = new L2SpRegularizer(0.5, job.Groups);

        stem.Unfreeze();
        head.Unfreeze();
        using (var atAnchor = l2sp.Penalty()) Assert.Equal(0f, atAnchor.item<float>());

        var (name, conv1) = stem.Parameters.First(p => p.Key == "conv1.weight");
        using (no_grad()) conv1.add_(0.1f);
        using (var head0 = head.Parameters[0].Value.detach().clone())
        using (no_grad()) head.Parameters[0].Value.add_(1f); // the head has no anchor: never penalised
        using var penalty = l2sp.Penalty();
        Assert.Equal(0.5 * 0.01 * conv1.numel(), penalty.item<float>(), 3);
        penalty.backward();
        // d/dw alpha*(w-w0)^2 = 2*alpha*(w-w0) = 0.1 everywhere: the gradient points back to the anchor.
        Assert.True(conv1.grad!.sub(0.1f).abs().max().item<float>() < 1e-5, $"{name} gradient");

        stem.Freeze();
        using var frozen = l2sp.Penalty();
        Assert.Equal(0f, frozen.item<float>()); // frozen parameters do not train, so they are not penalised
    }

    [Fact]
    public void Early_stopping_infers_the_mode_and_counts_epochs_without_improvement()
    {
        var loss = new EarlyStopping(new EarlyStoppingSpec("val-loss", null, Patience: 2, MinDelta: 0.01, RestoreBest: true));
        Assert.Equal(MonitorMode.Min, loss.Mode);
        Assert.True(loss.Update(0, new Dictionary<string, double> { ["val-loss"] = 1.0 }));
        Assert.False(loss.Update(1, new Dictionary<string, double> { ["val-loss"] = 0.995 })); // less than min-delta
        Assert.False(loss.ShouldStop);
        Assert.False(loss.Update(2, new Dictionary<string, double> { ["val-loss"] = 1.2 }));
        Assert.True(loss.ShouldStop);
        Assert.Equal(0, loss.BestEpoch);

        var accuracy = new EarlyStopping(new EarlyStoppingSpec("val-accuracy", null, 1, 0, false));
        Assert.Equal(MonitorMode.Max, accuracy.Mode);
        accuracy.Update(0, new Dictionary<string, double> { ["val-accuracy"] = 0.5 });
        Assert.True(accuracy.Update(1, new Dictionary<string, double> { ["val-accuracy"] = 0.6 }));

        var missing = Assert.Throws<KeyNotFoundException>(() => accuracy.Update(2, new Dictionary<string, double> { ["val-loss"] = 1 }));
        Assert.Contains("'val-accuracy' is not among the logged metrics (val-loss)", missing.Message);
    }

    [Fact]
    public void The_phase_planner_gives_every_trained_group_its_rate()
    {
        var yaml = Specs.BinaryCnn().Replace("lr: { head: 1.0e-3, body: 1.0e-3, stem: 1.0e-4 }", "lr: { stem: 1.0e-4 }");
        var spec = SpecYamlReader.Read(yaml, null).Spec!;
        var plans = PhasePlanner.Plan(spec);
        Assert.Equal(2, plans.Count);
        Assert.Equal(new[] { "head" }, plans[0].TrainedGroups);
        Assert.Equal(3.0e-3, plans[0].RateOf("head"), 12);
        Assert.Equal(3.0e-3, plans[1].RateOf("head"), 12); // not named: the optimizer's rate
        Assert.Equal(1.0e-4, plans[1].RateOf("stem"), 12);
        Assert.Equal(ScheduleKind.Cosine, plans[1].Schedule.Kind);
        Assert.Equal(BatchNormPolicy.FreezeAll, plans[1].BatchNorm);
    }

    [Fact]
    public void The_metrics_log_writes_one_json_object_per_epoch_with_rates_and_non_finite_values_as_null()
    {
        var line = MetricsLog.Format(new EpochResult("head-only", 0, 2, 30,
            new Dictionary<string, double> { ["train-loss"] = 0.25, ["val-loss"] = double.NaN },
            new Dictionary<string, double> { ["head"] = 1e-3 }, 1.23456));
        Assert.Equal("""{"phase":"head-only","phase_index":0,"epoch":2,"step":30,"train-loss":0.25,"val-loss":null,"lr":{"head":0.001},"seconds":1.235}""", line);
    }
}
