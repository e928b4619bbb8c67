using Google.Protobuf;
using SpecTune.Models;
using SpecTune.Onnx;
using SpecTune.Spec;
using SpecTune.Training;
using TorchSharp;
using Xunit.Abstractions;
using static SpecTune.Tests.Onnx.TinyOnnx;
using static TorchSharp.torch;

namespace SpecTune.Tests.Onnx;

/// <summary>An imported ONNX graph as a fine-tuning base: spec, training, ONNX export checked in ONNX Runtime.</summary>
[Collection(GlobalTorchRngCollection.Name)]
public sealed class OnnxFineTuneTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    /// <summary>A tiny CNN as an exporter would write it: conv, BatchNorm, relu, then a classifier to cut away.</summary>
    private string WriteTinyCnn(string fileName)
    {
        using var w = OnnxPeer.Wave(4, 1, 3, 3) * 0.5f;
        using var scale = tensor(new[] { 1f, 0.5f, 2f, 1.5f });
        using var shift = tensor(new[] { 0f, 0.1f, -0.1f, 0.2f });
        using var mean = tensor(new[] { 0.3f, 0.2f, 0.1f, 0f });
        using var variance = tensor(new[] { 1f, 2f, 0.5f, 1f });
        using var cw = OnnxPeer.Wave(4, 10);
        var model = Model(13,
            [
                Node("Conv", "stem_conv", ["image", "stem.conv.weight"], ["c"], Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1)),
                Node("BatchNormalization", "stem_bn", ["c", "stem.bn.weight", "stem.bn.bias", "stem.bn.running_mean", "stem.bn.running_var"], ["b"]),
                Node("Relu", "features", ["b"], ["f"]),
                Node("GlobalAveragePool", "gap", ["f"], ["g"]),
                Node("Flatten", "flat", ["g"], ["fl"]),
                Node("MatMul", "classifier", ["fl", "classifier.weight"], ["logits"]),
            ],
            [Value("image", 1, 1, 1, 12, 12)], [Value("logits", 1)],
            Init("stem.conv.weight", w), Init("stem.bn.weight", scale), Init("stem.bn.bias", shift),
            Init("stem.bn.running_mean", mean), Init("stem.bn.running_var", variance), Init("classifier.weight", cw));
        var path = _workspace.PathOf(fileName);
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    private static HeadSpec Head(params HeadLayerSpec[] layers) => new(null, layers.ToEquatableArray());

    [Fact]
    public void Exported_onnx_runs_in_onnx_runtime_like_the_trained_network()
    {
        var path = WriteTinyCnn("tiny.onnx");
        var head = Head(new HeadLayerSpec(HeadLayerKind.Linear, 6, null), new HeadLayerSpec(HeadLayerKind.Gelu, null, null),
            new HeadLayerSpec(HeadLayerKind.BatchNorm, null, null), new HeadLayerSpec(HeadLayerKind.Dropout, null, 0.1),
            new HeadLayerSpec(HeadLayerKind.Linear, 3, null), new HeadLayerSpec(HeadLayerKind.Softmax, null, null));
        torch.manual_seed(5);
        using var network = OnnxFineTuneNetwork.Load(path, "features", width => HeadBuilder.Build(head, width), [1, 12, 12]);
        Assert.Equal(4, network.FeatureCount);
        Assert.Equal(new[] { "head.0.bias", "head.0.weight", "head.2.bias", "head.2.weight", "head.4.bias", "head.4.weight", "stem.bn.bias", "stem.bn.weight", "stem.conv.weight" },
            network.named_parameters().Select(p => p.name).Order(StringComparer.Ordinal));

        // Move everything away from the imported values: a training-mode pass updates BatchNorm statistics,
        // a gradient step changes every weight.
        using var batch = OnnxPeer.Wave(8, 1, 12, 12);
        network.train();
        using (var loss = network.call(batch).square().sum())
            loss.backward();
        using (no_grad())
            foreach (var p in network.parameters()) p.sub_(p.grad! * 0.1f);
        network.eval();

        var exported = _workspace.PathOf("tuned.onnx");
        OnnxExport.Save(network, exported);
        using var expected = network.call(batch);
        var peer = OnnxPeer.Run(File.ReadAllBytes(exported), ("image", batch));
        double error = OnnxPeer.RelativeError(peer[0], expected);
        output.WriteLine($"exported tiny CNN + head: relative error {error:E2}");
        Assert.True(error < 1e-5, $"relative error {error}");
        foreach (var t in peer) t.Dispose();
    }

    [Fact]
    public void A_spec_with_an_onnx_base_trains_the_head_then_the_graph_and_exports()
    {
        WriteTinyCnn("base.onnx");
        _workspace.WriteIdx("train", 64, 2, seed: 1);
        _workspace.WriteIdx("valid", 32, 2, seed: 2);
        var spec = _workspace.WriteSpec("tiny.spectune.yaml", """
            spectune: 1
            name: TinyOnnx
            base: { onnx: base.onnx, cut-at: features, input: [1, 12, 12] }
            groups:
              stem: ["stem.*"]
            head: { layers: [ {linear: 1}, sigmoid ] }
            task: binary-classification
            data:
              format: idx
              train: { images: train-images-idx3-ubyte.gz, labels: train-labels-idx1-ubyte.gz }
              valid: { images: valid-images-idx3-ubyte.gz, labels: valid-labels-idx1-ubyte.gz }
              batch-size: 16
            loss: binary-cross-entropy
            metrics: [accuracy]
            optimizer: { adam: { lr: 1.0e-2 } }
            phases:
              - { name: head-only, epochs: 2, train: [head] }
              - { name: unfreeze, epochs: 2, train: [head, stem], lr: { head: 1.0e-3, stem: 1.0e-3 } }
            seed: 4
            """);

        using var job = FineTuneJob.FromYamlFile(spec);
        Assert.Equal("head", job.Network.HeadSlot);
        var frozenBefore = WeightsOf(job, "stem.conv.weight");
        var report = job.Train(new TrainingOptions());
        Assert.Equal(2, report.Phases.Count);
        var after = WeightsOf(job, "stem.conv.weight");
        Assert.False(frozenBefore.SequenceEqual(after), "the unfreeze phase trains the imported graph");

        var exported = _workspace.PathOf("artifacts/tiny.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(exported)!);
        job.ExportOnnx(exported);
        using var images = OnnxPeer.Wave(5, 1, 12, 12) * 0.2f + 0.5f;
        using var probabilities = job.Predict(images);
        var peer = OnnxPeer.Run(File.ReadAllBytes(exported), ("image", images));
        using var flat = peer[0].reshape(-1);
        double error = OnnxPeer.RelativeError(flat, probabilities);
        Assert.True(error < 1e-5, $"relative error {error}");
        foreach (var t in peer) t.Dispose();
    }

    private static float[] WeightsOf(FineTuneJob job, string name) =>
        job.Network.named_parameters().Single(p => p.name == name).parameter.detach().cpu().data<float>().ToArray();

    [Fact]
    public void ImageNet_ResNet18_cut_with_a_new_head_exports_and_matches_onnx_runtime_at_64x64()
    {
        var head = Head(new HeadLayerSpec(HeadLayerKind.Linear, 1, null), new HeadLayerSpec(HeadLayerKind.Sigmoid, null, null));
        torch.manual_seed(1);
        using var network = OnnxFineTuneNetwork.Load(OnnxPeer.ResNet18Path, "ReLU393", width => HeadBuilder.Build(head, width), [3, 64, 64]);
        Assert.Equal(512, network.FeatureCount);
        Assert.DoesNotContain(network.named_modules(), m => m.name.StartsWith("Pooling395", StringComparison.Ordinal));
        network.eval();

        var exported = _workspace.PathOf("resnet18-tuned.onnx");
        OnnxExport.Save(network, exported);
        using var images = OnnxPeer.Wave(2, 3, 64, 64) * 50f;
        using var expected = network.call(images);
        var peer = OnnxPeer.Run(File.ReadAllBytes(exported), ("Input247", images));
        double error = OnnxPeer.RelativeError(peer[0], expected);
        output.WriteLine($"exported ResNet-18 (cut at ReLU393) + sigmoid head, 2x3x64x64: relative error {error:E2}");
        Assert.True(error < 1e-4, $"relative error {error}");
        foreach (var t in peer) t.Dispose();
    }
}
