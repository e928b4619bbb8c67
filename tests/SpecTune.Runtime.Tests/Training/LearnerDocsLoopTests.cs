// <docs/runtime.md>
using SpecTune.Data; using SpecTune.Freezing; using SpecTune.Losses; using SpecTune.Models;
using SpecTune.Optimization; using SpecTune.Spec; using SpecTune.Training; using static TorchSharp.torch;
// </docs/runtime.md>
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace SpecTune.Tests.Training;

/// <summary>
/// docs/runtime.md's custom loop on the Learner (a callback, a custom loss, a batch source) runs as written: the three
/// regions between the docs/runtime.md markers of this file are, line for line, the markdown's code block.
/// </summary>
[Collection(GlobalTorchRngCollection.Name)]
public class LearnerDocsLoopTests
{
    [Fact]
    public void The_custom_loop_of_docs_runtime_md_learns_the_synthetic_task()
    {
        // <docs/runtime.md>
        manual_seed(0);
        var x = randn(64, 4); var y = x[.., 0].gt(0).to(float32);  // label: the sign of the first feature
        using var network = new Mlp(4, [16], nn.Linear(16, 1));
        var lowest = new LowestValLoss();
        var learner = new Learner(network, ParameterGroups.Create(network), new WholeSet(x, y), new WholeSet(x, y), new BrierLoss(),
            g => FineTuneOptimizer.Create(new OptimizerSpec(OptimizerKind.Sgd, 0.5, 0, 0.9, false, 0.9, 0.999, 1e-8, null), g), [lowest], new LearnerOptions { Metrics = [MetricKind.Accuracy] });
        var fit = learner.Fit([new PhasePlan(0, "all", 40, ["base", "head"], new Dictionary<string, double> { ["base"] = 0.5, ["head"] = 0.5 },
            ScheduleSpec.Constant, BatchNormPolicy.FreezeAll)]);
        Console.WriteLine($"accuracy {fit.Evaluation!.Metrics["accuracy"]}, lowest val-loss {lowest.Lowest}");
        // </docs/runtime.md>
        Assert.Equal(40, fit.Epochs.Count);
        Assert.True(fit.Evaluation.Metrics["accuracy"] >= 0.9, $"accuracy {fit.Evaluation.Metrics["accuracy"]}");
        Assert.Equal(fit.Epochs.Min(e => e.Metrics["val-loss"]), lowest.Lowest.Value);
        Assert.True(lowest.Lowest.Value < fit.Epochs[0].Metrics["val-loss"], "the custom loss did not decrease");
    }

    [Fact]
    public void This_file_holds_the_markdown_code_block_line_for_line()
    {
        var markdown = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "runtime.md"));
        var section = markdown[markdown.IndexOf("## A custom loop on the Learner", StringComparison.Ordinal)..];
        var start = section.IndexOf("```csharp\n", StringComparison.Ordinal) + "```csharp\n".Length;
        var block = section[start..section.IndexOf("\n```\n", start, StringComparison.Ordinal)];
        var regions = Regex.Matches(File.ReadAllText(ThisFile()), @"// <docs/runtime\.md>\n(.*?)\n\s*// </docs/runtime\.md>", RegexOptions.Singleline)
            .SelectMany(m => m.Groups[1].Value.Split('\n'));
        Assert.Equal(Lines(block), Lines(string.Join('\n', regions)));
        Assert.True(Lines(block).Count < 30, "docs/runtime.md promises a loop in under 30 lines");
    }

    private static List<string> Lines(string text) => text.Replace("\r", "").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();

    private static string ThisFile([CallerFilePath] string path = "") => path;

    private static string RepoRoot() => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(ThisFile())!, "..", "..", ".."));

    // <docs/runtime.md>
    sealed class LowestValLoss : LearnerCallback  // a callback: watches every epoch
    {
        public (double Value, int Epoch) Lowest { get; private set; } = (double.PositiveInfinity, -1);
        public override void AfterEpoch(Learner learner, EpochResult e) { if (e.Metrics["val-loss"] < Lowest.Value) Lowest = (e.Metrics["val-loss"], e.Epoch); }
    }
    sealed class BrierLoss() : LossFunction(TaskKind.BinaryClassification, outputIsProbability: false)  // a custom loss
    {
        public override string Name => "brier";
        public override Tensor Compute(Tensor output, Tensor target) => (ToProbabilities(output) - target).square().mean();
        public override Tensor ToProbabilities(Tensor output) => sigmoid(output.reshape(-1));
        public override Tensor Predictions(Tensor output) => output.reshape(-1).gt(0).to(int64);
    }
    sealed class WholeSet(Tensor x, Tensor y) : IBatchSource  // data: one batch per epoch (the Batch owns its copies)
    {
        public int BatchesPerEpoch => 1;
        public IEnumerable<Batch> Epoch(int epoch, int skip = 0, CancellationToken cancel = default) => skip > 0 ? [] : [new Batch(x.clone(), y.clone(), (int)x.shape[0])];
    }
    // </docs/runtime.md>
}
