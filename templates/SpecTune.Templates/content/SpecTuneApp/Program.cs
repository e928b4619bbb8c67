using SpecTune;
using SpecTune.Training;
using TorchSharp;

// TunedModel is generated at compile time from model.spectune.yaml (its `name:`): the build checks the spec
// and gives the class one member per group and phase, Create, Train, Evaluate and a Predict typed by the task.
// Ctrl+C stops at the next step with a checkpoint; run again with --resume to continue.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

// The spec's relative paths (data/, artifacts/) resolve against the output folder, where the build copies the data
// and the weights `dotnet build -t:SpecTuneTrain` wrote (see the .csproj). With those weights the app uses them;
// without them, or with --train or --resume, it trains first.
var weights = Path.Combine(AppContext.BaseDirectory, TunedModel.Spec.Output!);
TunedModel model;
if (File.Exists(weights) && !args.Contains("--train") && !args.Contains("--resume"))
{
    // Create + LoadWeights keeps the data at hand for Evaluate below; TunedModel.Load(weights) alone is enough to predict.
    model = TunedModel.Create(AppContext.BaseDirectory);
    model.LoadWeights(weights);
    Console.WriteLine($"Using the weights SpecTuneTrain trained: {weights} (run with --train to train again)");
}
else
{
    model = TunedModel.Create(AppContext.BaseDirectory);
    var progress = new EpochPrinter();
    var report = args.Contains("--resume")
        ? model.Train(new TrainingOptions { Resume = true, Progress = progress, Cancellation = cancel.Token })
        : model.Train(progress, cancel.Token);
    if (report.Cancelled)
    {
        Console.WriteLine($"Cancelled; checkpoint at {report.CheckpointPath}. Run with --resume to continue.");
        model.Dispose();
        return 130;
    }
    foreach (var phase in report.Phases)
        Console.WriteLine($"{phase.Name}: {phase.EpochsRun} epochs, {phase.TrainableWeights:N0} trainable / {phase.FrozenWeights:N0} frozen weights");
}
using var _ = model;

// The validation rows the spec holds out (split: 0.25).
var evaluation = model.Evaluate();
Console.WriteLine($"accuracy {evaluation?.Metrics["accuracy"]:0.000}; weights: {weights}");

// One sample: the four features of the first row of data/train.csv. Binary classification: P(label = 1).
var firstRow = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "data", "train.csv")).Skip(1).First().Split(',');
using var sample = torch.tensor(firstRow[..4].Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray());
Console.WriteLine($"P(label = 1) for the first row: {model.Predict(sample):0.000} (its label: {firstRow[4]})");
return 0;

/// <summary>Prints each finished epoch as it happens (on the training thread, so lines keep their order).</summary>
sealed class EpochPrinter : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress p)
    {
        if (p.EpochCompleted is { } epoch)
            Console.WriteLine($"{p.Phase} epoch {p.Epoch + 1}/{p.Epochs}: " +
                string.Join("  ", epoch.Metrics.Select(m => $"{m.Key} {m.Value:0.0000}")));
    }
}
