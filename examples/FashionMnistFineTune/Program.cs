// The fine-tuning guide's section-5 recipe, declaratively, on real data (a Fashion-MNIST subset):
//   1. pretrain the small CNN on 8 clothing classes (pretrain.spectune.yaml) - the "pretrained model";
//   2. fine-tune it to tell shirts from T-shirts (shirts.spectune.yaml): frozen base + new sigmoid head,
//      then unfreeze with lower rates;
//   3. train the same architecture from scratch on the same 300 images, for comparison.
// The two specs are compiled into typed classes by SpecTune's source generator (FashionPretrain, ShirtClassifier:
// groups as properties, a Phase enum, Train/Evaluate/Predict typed by the task); see docs/generator.md.
using System.Globalization;
using System.Reflection;
using SpecTune;
using SpecTune.Examples;
using SpecTune.Spec;
using SpecTune.Training;

var folder = args.FirstOrDefault(a => !a.StartsWith("--")) ?? typeof(Program).Assembly
    .GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "ExampleDirectory").Value!;
bool forcePretrain = args.Contains("--pretrain");
var pretrained = Path.Combine(folder, "artifacts", "cnn-fashion8.safetensors");
var progress = new Progress<TrainingProgress>(PrintEpoch);

try
{
    if (forcePretrain || !File.Exists(pretrained))
    {
        Console.WriteLine("== Pretraining the base: cnn on 8 Fashion-MNIST classes (4,800 images) ==");
        using var pretrain = FashionPretrain.Create(folder);
        var report = pretrain.Train(progress);
        Console.WriteLine($"   base network: val-accuracy {Fmt(report.Evaluation!.Metrics["accuracy"])} -> {report.OutputPath}");
    }
    else
    {
        Console.WriteLine($"== Pretrained base found: {pretrained} (run with --pretrain to redo it) ==");
    }

    Console.WriteLine();
    Console.WriteLine("== Fine-tuning: T-shirt/top (0) vs Shirt (1), 300 training images ==");
    using var shirts = ShirtClassifier.Create(folder);
    Console.WriteLine($"   groups: {string.Join(", ", shirts.Groups.All)}");
    var untrained = shirts.Evaluate()!;
    Console.WriteLine($"   untrained new head: val-accuracy {Fmt(untrained.Metrics["accuracy"])}, val-loss {Fmt(untrained.Loss)}");
    var fineTuned = shirts.Train(progress);

    Console.WriteLine();
    Console.WriteLine("== Baseline: the same network trained from scratch on the same data ==");
    // The generated class carries its spec as a value: the baseline is the same spec without the pretrained weights, one phase.
    var scratchSpec = ShirtClassifier.Spec with
    {
        Name = "ShirtClassifierFromScratch",
        Base = ShirtClassifier.Spec.Base with { Weights = null },
        Phases = EquatableArray.Create(ShirtClassifier.Spec.Phases[0] with
        {
            Name = "scratch",
            Epochs = ShirtClassifier.Hyperparameters.Phases.Sum(p => p.Epochs),
            Train = EquatableArray.Create("head", "stem", "body"),
        }),
        Output = null,
        MetricsLog = "artifacts/scratch.metrics.jsonl",
    };
    using var scratch = FineTuneJob.FromSpec(scratchSpec, folder);
    var fromScratch = scratch.Train(new TrainingOptions { Progress = progress });

    Console.WriteLine();
    Console.WriteLine("== Results on 1,000 validation images ==");
    Console.WriteLine($"{"run",-34} {"epochs",6} {"val-loss",9} {"accuracy",9} {"f1",7}  per-class accuracy (T-shirt / Shirt)");
    Row("untrained head", 0, untrained.Loss, untrained.Metrics);
    int epochs = 0;
    foreach (var phase in fineTuned.Phases)
    {
        epochs += phase.EpochsRun;
        var note = phase.StoppedEarly ? $" (stopped early{(phase.BestEpoch is int b ? $", best epoch {b + 1}" : "")})" : "";
        Row($"fine-tune: {phase.Name}{note}", epochs, phase.Final["val-loss"], Strip(phase.Final));
    }
    Row("from scratch", fromScratch.Epochs.Count, fromScratch.Evaluation!.Loss, fromScratch.Evaluation.Metrics);
    Console.WriteLine();
    Console.WriteLine("Confusion matrix of the fine-tuned model (rows: true, columns: predicted):");
    var cm = fineTuned.Evaluation!.ConfusionMatrix!;
    Console.WriteLine($"   T-shirt  {cm[0, 0],5} {cm[0, 1],5}");
    Console.WriteLine($"   Shirt    {cm[1, 0],5} {cm[1, 1],5}");
    Console.WriteLine($"Weights: {fineTuned.OutputPath}");

    // Typed prediction: for a binary task PredictBatch gives each sample's probability of the positive class (Shirt).
    var valid = shirts.Job.ValidationData!; // the spec's validation set, classes mapped (0 T-shirt/top, 1 Shirt)
    var pixels = new float[6 * 28 * 28];
    for (int i = 0; i < 6; i++) valid.ReadFeatures(i * 100, pixels.AsSpan(i * 28 * 28, 28 * 28));
    using var images = TorchSharp.torch.tensor(pixels, new long[] { 6, 1, 28, 28 });
    float[] shirtProbability = shirts.PredictBatch(images);
    Console.WriteLine("P(shirt) for six validation images: " + string.Join("  ", Enumerable.Range(0, 6).Select(i =>
        $"{Fmt(shirtProbability[i])} ({(valid.ReadTarget(i * 100) == 1 ? "Shirt" : "T-shirt")})")));
    return 0;
}
catch (SpecException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

static void PrintEpoch(TrainingProgress p)
{
    if (p.EpochCompleted is not { } e) return;
    var m = e.Metrics;
    string Get(string key) => m.TryGetValue(key, out var v) ? Fmt(v) : "-";
    Console.WriteLine($"   [{e.Phase}] epoch {e.Epoch + 1,2}/{p.Epochs}: train-loss {Get("train-loss")}  val-loss {Get("val-loss")}  " +
                      $"val-accuracy {Get("val-accuracy")}  lr {string.Join(" ", e.LearningRates.Select(r => $"{r.Key}={r.Value.ToString("0.##e0", CultureInfo.InvariantCulture)}"))}  ({e.Seconds:0.0}s)");
}

static IReadOnlyDictionary<string, double> Strip(IReadOnlyDictionary<string, double> metrics) =>
    metrics.ToDictionary(kv => kv.Key.StartsWith("val-") ? kv.Key[4..] : kv.Key, kv => kv.Value);

static void Row(string name, int epochs, double loss, IReadOnlyDictionary<string, double> m) =>
    Console.WriteLine($"{name,-34} {epochs,6} {Fmt(loss),9} {Fmt(m["accuracy"]),9} {Fmt(m["f1"]),7}  " +
                      $"{Fmt(m["class-0-accuracy"])} / {Fmt(m["class-1-accuracy"])}");

static string Fmt(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);
