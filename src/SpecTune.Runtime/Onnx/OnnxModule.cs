using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Onnx;

/// <summary>
/// An ONNX model as a trainable TorchSharp module. The graph runs op by op with TorchSharp ops, so autograd
/// flows through it; float initializers are Parameters (named after the initializer, or after the node that
/// uses it where the exporter numbered them: <c>Convolution249.weight</c>), BatchNormalization statistics are
/// buffers of BatchNorm2d modules, other initializers are non-persistent constants.
/// <code>
/// using var resnet = OnnxModule.Load("ResNet18.onnx", cutAt: "ReLU393");
/// using var features = resnet.call(images);   // [N, 512, H/32, W/32]
/// </code>
/// </summary>
public sealed class OnnxModule : nn.Module<Tensor, Tensor>
{
    private readonly OnnxGraph _graph;

    private OnnxModule(OnnxGraph graph) : base("OnnxModule")
    {
        _graph = graph;
        graph.RegisterOn(this);
    }

    /// <summary>Imports the model at <paramref name="path"/>; external data files resolve inside its folder only.</summary>
    /// <param name="path">The .onnx file.</param>
    /// <param name="cutAt">A node name: its first output becomes the module's only output and every node not needed for it is dropped.</param>
    /// <exception cref="OnnxImportException">Malformed model, unsupported op (named with its node), unknown cut node.</exception>
    public static OnnxModule Load(string path, string? cutAt = null)
    {
        var full = Path.GetFullPath(path);
        return new OnnxModule(OnnxGraph.Load(OnnxModelFile.Parse(full), full, Path.GetDirectoryName(full), cutAt));
    }

    /// <summary>Imports a model from a stream (e.g. an embedded resource); it may not use external data.</summary>
    public static OnnxModule Load(Stream stream, string name, string? cutAt = null) =>
        new(OnnxGraph.Load(OnnxModelFile.Parse(stream, name), name, null, cutAt));

    /// <summary>The inputs <see cref="Run"/> takes, in order.</summary>
    public IReadOnlyList<string> InputNames => _graph.Inputs;

    /// <summary>The outputs <see cref="Run"/> returns, in order (the cut node's first output when cut).</summary>
    public IReadOnlyList<string> OutputNames => _graph.Outputs;

    /// <summary>Every imported initializer and the module name it got.</summary>
    internal IReadOnlyCollection<OnnxInitializer> Initializers => _graph.Initializers;

    /// <summary>The nodes kept after the cut, in graph order: the names `cut-at` can take.</summary>
    internal IReadOnlyList<OnnxNodeInfo> Nodes => _graph.Nodes.Select(n => new OnnxNodeInfo(n.Name, n.OpType, n.Input.ToArray(), n.Output.ToArray())).ToList();

    /// <summary>The op types the importer supports.</summary>
    public static IReadOnlySet<string> SupportedOps => OnnxGraph.Ops;

    internal OnnxGraph Graph => _graph;

    /// <summary>Runs the graph on <paramref name="inputs"/> (in <see cref="InputNames"/> order); the caller owns the outputs.</summary>
    public Tensor[] Run(params Tensor[] inputs) => _graph.Run(this, inputs);

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        var outputs = Run(input);
        for (int i = 1; i < outputs.Length; i++) outputs[i].Dispose();
        return outputs[0];
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) _graph.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>One node of an imported graph.</summary>
/// <param name="Name">The node's name (what `cut-at` names).</param>
/// <param name="OpType">The ONNX op.</param>
/// <param name="Inputs">Value and initializer names it reads.</param>
/// <param name="Outputs">Value names it writes.</param>
internal sealed record OnnxNodeInfo(string Name, string OpType, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs);

/// <summary>Parses ONNX files with a clear error for what is not one.</summary>
internal static class OnnxModelFile
{
    public static ModelProto Parse(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX model not found: {path}", path);
        using var stream = File.OpenRead(path);
        return Parse(stream, path);
    }

    public static ModelProto Parse(Stream stream, string name)
    {
        try
        {
            var model = ModelProto.Parser.ParseFrom(stream);
            if (model.Graph is null || model.Graph.Node.Count == 0)
                throw new OnnxImportException(name, "not an ONNX model (no graph or no nodes)");
            return model;
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new OnnxImportException(name, "not an ONNX model (protobuf: " + e.Message + ")", e);
        }
    }
}
