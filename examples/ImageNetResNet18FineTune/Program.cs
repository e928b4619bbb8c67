// The fine-tuning guide's section-5 recipe on real ImageNet weights (imagenet-shirts.spectune.yaml):
//   1. ImageNet ResNet-18, imported from ONNX as a trainable network, frozen; a new sigmoid head learns
//      T-shirt/top vs Shirt from 300 Fashion-MNIST images (resized to 64x64, three channels);
//   2. the last two residual blocks are unfrozen at a lower rate;
//   3. baselines on the same data: the same network from scratch (random initialisation), and the small
//      CNN pretrained on 8 other Fashion-MNIST classes (examples/FashionMnistFineTune's specs).
using System.Globalization;
using System.Reflection;
using SpecTune;
using SpecTune.Spec;
using SpecTune.Training;
using TorchSharp;
using static TorchSharp.torch;

var folder = args.FirstOrDefault(a => !a.StartsWith("--")) ?? typeof(Program).Assembly
    .GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "ExampleDirectory").Value!;
var cnnFolder = Path.GetFullPath(Path.Combine(folder, "..", "FashionMnistFineTune"));
bool skipCnn = args.Contains("--no-cnn");
var progress = new Progress<TrainingProgress>(PrintEpoch);
var results = new List<(string Name, int Epochs, double Loss, IReadOnlyDictionary<string, double> Metrics)>();

try
{
    // The ONNX file comes from the NuGet package; the build links it into the output's models/ folder.
    var read = SpecYamlReader.Read(File.ReadAllText(Path.Combine(folder, "imagenet-shirts.spectune.yaml")), Path.Combine(folder, "imagenet-shirts.spectune.yaml"));
    if (read.Spec is null || read.Diagnostics.Any(d => d.IsError)) throw new SpecException(read.Diagnostics.Where(d => d.IsError).ToList());
    var spec = read.Spec with { Base = read.Spec.Base with { Onnx = Path.Combine(AppContext.BaseDirectory, "models", "ResNet18.onnx") } };

    Console.WriteLine("== ImageNet ResNet-18 (ONNX) fine-tuned: T-shirt/top (0) vs Shirt (1), 300 training images at 64x64 ==");
    using (var job = FineTuneJob.FromSpec(spec, folder))
    {
        Console.WriteLine($"   imported {job.Network.parameters().Count()} parameter tensors ({job.Network.parameters().Sum(p => p.numel()):N0} weights); features: {job.Network.FeatureCount}");
        var untrained = job.EvaluateValidation()!;
        results.Add(("resnet18 (ImageNet): untrained head", 0, untrained.Loss, untrained.Metrics));
        var report = job.Train(new TrainingOptions { Progress = progress });
        int epochs = 0;
        foreach (var phase in report.Phases)
        {
            epochs += phase.EpochsRun;
            results.Add(($"resnet18 (ImageNet): {phase.Name}", epochs, phase.Final["val-loss"], Strip(phase.Final)));
        }
        Console.WriteLine($"   weights: {report.OutputPath}");
    }

    Console.WriteLine();
    Console.WriteLine("== Baseline: the same ResNet-18 from scratch (random initialisation), all layers trained ==");
    var scratchSpec = spec with
    {
        Name = "ImageNetShirtClassifierFromScratch",
        Groups = EquatableArray<GroupSpec>.Empty,
        Phases = EquatableArray.Create(spec.Phases[0] with
        {
            Name = "scratch",
            Epochs = spec.Phases.Sum(p => p.Epochs),
            Train = EquatableArray.Create("head", "base"),
        }),
        Output = null,
        MetricsLog = "artifacts/imagenet-scratch.metrics.jsonl",
    };
    using (var scratch = FineTuneJob.FromSpec(scratchSpec, folder))
    {
        Reinitialise(scratch.Network, scratch.Network.HeadSlot, spec.Seed);
        var report = scratch.Train(new TrainingOptions { Progress = progress });
        results.Add(("resnet18 from scratch", report.Epochs.Count, report.Evaluation!.Loss, report.Evaluation.Metrics));
    }

    if (!skipCnn)
    {
        Console.WriteLine();
        Console.WriteLine("== Baseline: the small CNN pretrained on 8 other Fashion-MNIST classes (examples/FashionMnistFineTune) ==");
        if (!File.Exists(Path.Combine(cnnFolder, "artifacts", "cnn-fashion8.safetensors")))
        {
            using var pretrain = FineTuneJob.FromYamlFile(Path.Combine(cnnFolder, "pretrain.spectune.yaml"));
            pretrain.Train(new TrainingOptions { Progress = progress });
        }
        using var cnn = FineTuneJob.FromYamlFile(Path.Combine(cnnFolder, "shirts.spectune.yaml"));
        var report = cnn.Train(new TrainingOptions { Progress = progress });
        results.Add(("small cnn (Fashion-MNIST 8 classes)", report.Epochs.Count, report.Evaluation!.Loss, report.Evaluation.Metrics));
    }

    Console.WriteLine();
    Console.WriteLine("== Results on 1,000 validation images ==");
    Console.WriteLine($"{"run",-40} {"epochs",6} {"val-loss",9} {"accuracy",9} {"f1",7}  per-class accuracy (T-shirt / Shirt)");
    foreach (var (name, epochs, loss, m) in results)
        Console.WriteLine($"{name,-40} {epochs,6} {Fmt(loss),9} {Fmt(m["accuracy"]),9} {Fmt(m["f1"]),7}  {Fmt(m["class-0-accuracy"])} / {Fmt(m["class-1-accuracy"])}");
    return 0;
}
catch (SpecException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

// From scratch: every imported weight drawn afresh (He initialisation for convolutions, BatchNorm at identity).
static void Reinitialise(nn.Module network, string headSlot, int seed)
{
    torch.manual_seed(seed);
    using var _ = no_grad();
    foreach (var (name, p) in network.named_parameters())
    {
        if (name.StartsWith(headSlot + ".", StringComparison.Ordinal)) continue;
        if (p.dim() == 4) nn.init.kaiming_normal_(p, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
        else if (name.EndsWith(".weight", StringComparison.Ordinal)) p.fill_(1);
        else p.zero_();
    }
    // CNTK's BatchNorm momentum (0.988, i.e. 0.012 in PyTorch's terms) suits a long ImageNet run; from scratch on
    // 300 images the running statistics would barely move in 14 epochs, so use PyTorch's default 0.1.
    foreach (var (_, module) in network.named_modules())
        if (module is TorchSharp.Modules.BatchNorm2d bn) bn.momentum = 0.1;
    foreach (var (name, b) in network.named_buffers())
    {
        if (name.EndsWith(".running_mean", StringComparison.Ordinal)) b.zero_();
        else if (name.EndsWith(".running_var", StringComparison.Ordinal)) b.fill_(1);
    }
}

static void PrintEpoch(TrainingProgress p)
{
    if (p.EpochCompleted is not { } e) return;
    var m = e.Metrics;
    string Get(string key) => m.TryGetValue(key, out var v) ? Fmt(v) : "-";
    Console.WriteLine($"   [{e.Phase}] epoch {e.Epoch + 1,2}/{p.Epochs}: train-loss {Get("train-loss")}  val-loss {Get("val-loss")}  " +
                      $"val-accuracy {Get("val-accuracy")}  ({e.Seconds:0.0}s)");
}

static IReadOnlyDictionary<string, double> Strip(IReadOnlyDictionary<string, double> metrics) =>
    metrics.ToDictionary(kv => kv.Key.StartsWith("val-") ? kv.Key[4..] : kv.Key, kv => kv.Value);

static string Fmt(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);
