using Google.Protobuf;
using Onnx;
using SpecTune.Onnx;
using static TorchSharp.torch;

namespace SpecTune.Tests.Onnx;

/// <summary>Builds small ONNX models in code, so each op can be checked against ONNX Runtime.</summary>
internal static class TinyOnnx
{
    public static NodeProto Node(string op, string name, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Str(string name, string value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static TensorProto Init(string name, Tensor value) => OnnxTensors.ToProto(name, value);

    public static ValueInfoProto Value(string name, int elemType, params long[]? shape)
    {
        var type = new TypeProto.Types.Tensor { ElemType = elemType };
        if (shape is not null)
        {
            type.Shape = new TensorShapeProto();
            foreach (var d in shape) type.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = type } };
    }

    public static ModelProto Model(long opset, IEnumerable<NodeProto> nodes, IEnumerable<ValueInfoProto> inputs, IEnumerable<ValueInfoProto> outputs, params TensorProto[] initializers)
    {
        var graph = new GraphProto { Name = "tiny" };
        graph.Node.AddRange(nodes);
        graph.Input.AddRange(inputs);
        graph.Output.AddRange(outputs);
        graph.Initializer.AddRange(initializers);
        var model = new ModelProto { IrVersion = 8, Graph = graph, ProducerName = "SpecTune tests" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }
}
