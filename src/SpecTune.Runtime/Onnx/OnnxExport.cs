using Onnx;
using SpecTune.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpecTune.Onnx;

/// <summary>
/// Writes a fine-tuned <see cref="OnnxFineTuneNetwork"/> back to ONNX: the imported graph up to the cut with
/// every initializer replaced by its trained value (BatchNorm statistics included), then the pooling the
/// network applies, then the new head as ONNX nodes (Gemm, Relu, Erf-based GELU, Sigmoid, Softmax,
/// BatchNormalization; dropout is the identity at inference). Output "output", [N, head outputs], in eval mode.
/// </summary>
internal static class OnnxExport
{
    /// <summary>Writes the network to <paramref name="path"/>, atomically.</summary>
    /// <exception cref="NotSupportedException">The head holds a layer ONNX export does not know.</exception>
    public static void Save(OnnxFineTuneNetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        var model = Build(network);
        AtomicFile.Write(path, stream =>
        {
            using var output = new Google.Protobuf.CodedOutputStream(stream, leaveOpen: true);
            model.WriteTo(output);
        });
    }

    internal static ModelProto Build(OnnxFineTuneNetwork network)
    {
        var graph = network.Graph;
        var model = graph.Proto.Clone();
        var g = model.Graph;
        var kept = graph.Nodes.ToHashSet();
        var keptNodes = g.Node.Where((n, i) => kept.Contains(graph.Proto.Graph.Node[i])).ToList();
        g.Node.Clear();
        g.Node.AddRange(keptNodes);

        // Trained values replace the imported ones; constants (shapes, indices) stay as they were.
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, p) in network.named_parameters()) state[name] = p;
        foreach (var (name, b) in network.named_buffers()) state[name] = b;
        var initializers = new List<TensorProto>();
        foreach (var original in g.Initializer)
        {
            var init = graph.Initializers.FirstOrDefault(i => i.OnnxName == original.Name);
            if (init is null) continue;   // used only by nodes after the cut
            initializers.Add(init.Kind == OnnxInitializerKind.Constant ? original : OnnxTensors.ToProto(original.Name, state[init.ModuleName]));
        }
        g.Initializer.Clear();
        g.Initializer.AddRange(initializers);
        var initializerNames = initializers.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);

        // One input: batch size free, the rest the sample shape the network was built for.
        var input = g.Input.First(i => i.Name == graph.Inputs[0]).Clone();
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        foreach (var d in network.SampleShape) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        input.Type.TensorType.Shape = shape;
        var keptInputs = g.Input.Where(i => initializerNames.Contains(i.Name)).ToList();
        g.Input.Clear();
        g.Input.Add(input);
        g.Input.AddRange(keptInputs);
        // Shapes recorded for the old input size would contradict the new one.
        g.ValueInfo.Clear();
        g.Output.Clear();

        var writer = new NodeWriter(g, model);
        var x = graph.Outputs[0];
        x = network.CutRank switch
        {
            4 => writer.Add("Flatten", [writer.Add("GlobalAveragePool", [x])], ("axis", 1L)),
            // ReduceMean takes its axes as an attribute before opset 18 and as an input from then on.
            3 when graph.Opset < 18 => writer.Add("ReduceMean", [x], ("axes", new long[] { 1 }), ("keepdims", 0L)),
            3 => writer.Add("ReduceMean", [x, writer.Initializer("spectune_pool_axes", Axes1)], ("keepdims", 0L)),
            2 => x,
            _ => writer.Add("Flatten", [x], ("axis", 1L)),
        };
        foreach (var (name, layer) in network.Head.named_children())
            x = WriteLayer(writer, network.HeadSlot + "." + name, layer, x);
        // A stable output name, whatever the head ends in.
        writer.Add("Identity", [x]);
        g.Node[^1].Output[0] = "output";
        var outputType = new TypeProto.Types.Tensor { ElemType = 1 };
        g.Output.Add(new ValueInfoProto { Name = "output", Type = new TypeProto { TensorType = outputType } });
        return model;
    }

    private static readonly Tensor Axes1 = tensor(new long[] { 1 });

    private static string WriteLayer(NodeWriter w, string name, nn.Module layer, string x)
    {
        switch (layer)
        {
            case Linear linear:
                var weight = w.Initializer(name + ".weight", linear.weight!);
                return linear.bias is { } bias
                    ? w.Add("Gemm", [x, weight, w.Initializer(name + ".bias", bias)], ("transB", 1L))
                    : w.Add("Gemm", [x, weight], ("transB", 1L));
            case ReLU: return w.Add("Relu", [x]);
            case Sigmoid: return w.Add("Sigmoid", [x]);
            case Softmax: return w.Add("Softmax", [x], ("axis", 1L));
            case Dropout: return x;
            case GELU:
            {
                // gelu(x) = x * 0.5 * (1 + erf(x / sqrt(2))); Erf exists from opset 9.
                w.RequireOpset(9);
                using var s = tensor(MathF.Sqrt(2f));
                using var one = tensor(1f);
                using var half = tensor(0.5f);
                var erf = w.Add("Erf", [w.Add("Div", [x, w.Initializer(name + ".sqrt2", s)])]);
                var gate = w.Add("Mul", [w.Add("Add", [erf, w.Initializer(name + ".one", one)]), w.Initializer(name + ".half", half)]);
                return w.Add("Mul", [x, gate]);
            }
            case BatchNorm1d bn:
                return w.Add("BatchNormalization",
                    [x, w.Initializer(name + ".weight", bn.weight!), w.Initializer(name + ".bias", bn.bias!),
                     w.Initializer(name + ".running_mean", bn.running_mean!), w.Initializer(name + ".running_var", bn.running_var!)],
                    ("epsilon", (float)bn.eps));
            default:
                throw new NotSupportedException($"Head layer '{name}' ({layer.GetType().Name}) has no ONNX export.");
        }
    }

    private sealed class NodeWriter(GraphProto graph, ModelProto model)
    {
        private int _count;

        public string Add(string op, string[] inputs, params (string Name, object Value)[] attributes)
        {
            var name = $"spectune_{op}_{_count++}";
            var node = new NodeProto { OpType = op, Name = name };
            node.Input.AddRange(inputs);
            node.Output.Add(name + "_out");
            foreach (var (key, value) in attributes)
            {
                node.Attribute.Add(value switch
                {
                    long i => new AttributeProto { Name = key, Type = AttributeProto.Types.AttributeType.Int, I = i },
                    float f => new AttributeProto { Name = key, Type = AttributeProto.Types.AttributeType.Float, F = f },
                    long[] ints => Ints(key, ints),
                    _ => throw new ArgumentException(key),
                });
            }
            graph.Node.Add(node);
            return name + "_out";
        }

        public string Initializer(string name, Tensor value)
        {
            graph.Initializer.Add(OnnxTensors.ToProto(name, value));
            return name;
        }

        public void RequireOpset(long version)
        {
            foreach (var opset in model.OpsetImport)
                if (opset.Domain is "" or "ai.onnx" && opset.Version < version) opset.Version = version;
        }

        private static AttributeProto Ints(string key, long[] values)
        {
            var a = new AttributeProto { Name = key, Type = AttributeProto.Types.AttributeType.Ints };
            a.Ints.AddRange(values);
            return a;
        }
    }
}
