using SpecTune;
using SpecTune.Training;

// Reads the spec, builds the network and data, and runs every phase, printing each epoch.
// Ctrl+C stops at the next step with a checkpoint; run again with --resume to continue.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

var specPath = Path.Combine(AppContext.BaseDirectory, "model.spectune.yaml");
using var job = FineTuneJob.FromYamlFile(specPath);
var report = job.Train(new TrainingOptions
{
    Resume = args.Contains("--resume"),
    Progress = new EpochPrinter(),
    Cancellation = cancel.Token,
});

if (report.Cancelled)
{
    Console.WriteLine($"Cancelled; checkpoint at {report.CheckpointPath}. Run with --resume to continue.");
    return 130;
}
foreach (var phase in report.Phases)
    Console.WriteLine($"{phase.Name}: {phase.EpochsRun} epochs, {phase.TrainableWeights:N0} trainable / {phase.FrozenWeights:N0} frozen weights");
Console.WriteLine($"accuracy {report.Evaluation?.Metrics["accuracy"]:0.000}; weights: {report.OutputPath}");
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
