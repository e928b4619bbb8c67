using Google.Protobuf;
using Onnx;
using SpecTune.Onnx;
using TorchSharp;
using Xunit.Abstractions;
using static SpecTune.Tests.Onnx.TinyOnnx;
using static TorchSharp.torch;

namespace SpecTune.Tests.Onnx;

/// <summary>Ops and attribute forms the two real models do not use, each against ONNX Runtime on a small graph.</summary>
public sealed class OnnxOpParityTests(ITestOutputHelper output)
{
    private const int F32 = 1, I64 = 7;

    private void AssertParity(ModelProto model, params (string Name, Tensor Value)[] inputs)
    {
        var bytes = model.ToByteArray();
        using var module = OnnxModule.Load(new MemoryStream(bytes), "tiny");
        var expected = OnnxPeer.Run(bytes, inputs);
        var actual = module.Run(inputs.Select(i => i.Value).ToArray());
        try
        {
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i].dtype, actual[i].dtype);
                double error = OnnxPeer.RelativeError(actual[i], expected[i]);
                output.WriteLine($"{module.OutputNames[i]} [{string.Join(", ", actual[i].shape)}]: relative error {error:E2}");
                Assert.True(error < 1e-5, $"{module.OutputNames[i]}: relative error {error}");
            }
        }
        finally
        {
            foreach (var t in expected.Concat(actual)) t.Dispose();
        }
    }

    [Fact]
    public void Cnn_ops_with_asymmetric_pads_groups_ceil_mode_and_gemm()
    {
        using var w = OnnxPeer.Wave(4, 1, 3, 3) * 0.3f;     // group 2: 2 input channels, 4 outputs
        using var b = tensor(new[] { 0.1f, -0.2f, 0.3f, 0f });
        using var gw = OnnxPeer.Wave(3, 4) * 0.5f;           // Gemm with transB: [3, 4]
        using var gb = tensor(new[] { 1f, 2f, 3f });
        var nodes = new[]
        {
            Node("Conv", "conv", ["x", "w", "b"], ["c"], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 2, 0, 1), Int("group", 2)),
            Node("Relu", "relu", ["c"], ["r"]),
            Node("MaxPool", "maxpool", ["r"], ["m"], Ints("kernel_shape", 2, 2), Ints("strides", 2, 2), Ints("pads", 1, 0, 0, 1), Int("ceil_mode", 1)),
            Node("AveragePool", "avgpool", ["c"], ["a"], Ints("kernel_shape", 3, 3), Ints("strides", 1, 1), Ints("pads", 1, 1, 0, 0), Int("count_include_pad", 0)),
            Node("AveragePool", "avgpool_same", ["c"], ["as"], Ints("kernel_shape", 2, 2), Str("auto_pad", "SAME_UPPER"), Int("count_include_pad", 1)),
            Node("GlobalAveragePool", "gap", ["m"], ["g"]),
            Node("Flatten", "flatten", ["g"], ["f"], Int("axis", 1)),
            Node("Gemm", "gemm", ["f", "gw", "gb"], ["y"], Int("transB", 1), Float("alpha", 0.5f), Float("beta", 2f)),
            Node("Sigmoid", "sigmoid", ["y"], ["s"]),
        };
        var model = Model(13, nodes, [Value("x", F32, 2, 2, 9, 8)],
            [Value("s", F32), Value("a", F32), Value("as", F32)], Init("w", w), Init("b", b), Init("gw", gw), Init("gb", gb));
        using var x = OnnxPeer.Wave(2, 2, 9, 8);

        AssertParity(model, ("x", x));
    }

    [Fact]
    public void Encoder_ops_shapes_indexing_and_normalisation()
    {
        using var scale = OnnxPeer.Wave(6) + 1f;
        using var shift = OnnxPeer.Wave(6) * 0.1f;
        using var table = OnnxPeer.Wave(10, 6);
        using var axes0 = tensor(new long[] { 0 });
        using var axes2 = tensor(new long[] { 2 });
        using var starts = tensor(new long[] { -5, 0 });
        using var ends = tensor(new long[] { long.MaxValue, 3 });
        using var sliceAxes = tensor(new long[] { 2, 1 });
        using var steps = tensor(new long[] { 2, 1 });
        using var shape = tensor(new long[] { 0, -1 });
        using var two = tensor(2f);
        using var index = tensor(-1L);
        var nodes = new[]
        {
            Node("Gather", "embed", ["table", "ids"], ["e"], Int("axis", 0)),                 // [2, 4, 6]
            Node("LayerNormalization", "ln", ["e", "scale", "shift"], ["n"], Int("axis", -1), Float("epsilon", 1e-5f)),
            Node("Transpose", "tr", ["n"], ["t"], Ints("perm", 0, 2, 1)),                      // [2, 6, 4]
            Node("MatMul", "mm", ["n", "t"], ["scores"]),                                     // [2, 4, 4]
            Node("Cast", "cast", ["ids"], ["idsf"], Int("to", F32)),
            Node("Equal", "eq", ["ids", "zero"], ["pad"]),
            Node("Unsqueeze", "unsq", ["pad", "axes0"], ["pad3"]),                             // [1, 2, 4]
            Node("Transpose", "tr2", ["pad3"], ["padT"], Ints("perm", 1, 0, 2)),               // [2, 1, 4]
            Node("Where", "where", ["padT", "minus", "scores"], ["masked"]),
            Node("Softmax", "softmax", ["masked"], ["p"], Int("axis", -1)),
            Node("Slice", "slice", ["p", "starts", "ends", "sliceAxes", "steps"], ["sl"]),     // [2, 3, 2]
            Node("Shape", "shape", ["sl"], ["sh"]),
            Node("Gather", "lastdim", ["sh", "index"], ["ld"], Int("axis", 0)),               // scalar
            Node("Unsqueeze", "ld1", ["ld", "axes0"], ["ld1d"]),
            Node("Concat", "concat", ["ld1d", "ld1d"], ["cc"], Int("axis", 0)),
            Node("Cast", "ccf", ["cc"], ["ccf"], Int("to", F32)),
            Node("Reshape", "reshape", ["p", "shape"], ["flat"]),                              // [2, 16]
            Node("ReduceMean", "rm", ["flat"], ["mean"], Ints("axes", 1), Int("keepdims", 0)),
            Node("Pow", "pow", ["e", "two"], ["sq"]),
            Node("Sqrt", "sqrt", ["sq"], ["abs"]),
            Node("Erf", "erf", ["abs"], ["erf"]),
            Node("Sub", "sub", ["erf", "n"], ["d"]),
            Node("Div", "div", ["d", "two"], ["half"]),
            Node("Tanh", "tanh", ["half"], ["th"]),
            Node("Unsqueeze", "unsq2", ["th", "axes2"], ["th4"]),                              // [2, 4, 1, 6]
            Node("Squeeze", "sq2", ["th4", "axes2"], ["th3"]),
            Node("Identity", "id", ["th3"], ["out"]),
        };
        var model = Model(13, nodes, [Value("ids", I64, 2, 4)],
            [Value("out", F32), Value("mean", F32), Value("sl", F32), Value("ccf", F32), Value("idsf", F32)],
            Init("table", table), Init("scale", scale), Init("shift", shift), Init("axes0", axes0), Init("axes2", axes2),
            Init("starts", starts), Init("ends", ends), Init("sliceAxes", sliceAxes), Init("steps", steps), Init("shape", shape),
            Init("two", two), Init("index", index), Init("zero", tensor(0L)), Init("minus", tensor(-1e4f)));
        // LayerNormalization needs opset 17.
        model.OpsetImport[0].Version = 17;
        using var ids = tensor(new long[] { 3, 7, 0, 0, 9, 1, 2, 0 }).reshape(2, 4);

        AssertParity(model, ("ids", ids));
    }

    [Fact]
    public void Softmax_before_opset_13_flattens_at_its_axis()
    {
        var model = Model(11, [Node("Softmax", "softmax", ["x"], ["y"], Int("axis", 1))], [Value("x", F32, 2, 3, 4)], [Value("y", F32)]);
        using var x = OnnxPeer.Wave(2, 3, 4);

        AssertParity(model, ("x", x));
    }

    [Fact]
    public void An_unsupported_op_is_an_error_naming_op_and_node()
    {
        var model = Model(13, [Node("Relu", "ok", ["x"], ["r"]), Node("Resize", "upsample_1", ["r"], ["y"])], [Value("x", F32, 1, 1, 2, 2)], [Value("y", F32)]);

        var error = Assert.Throws<OnnxImportException>(() => OnnxModule.Load(new MemoryStream(model.ToByteArray()), "m"));
        Assert.Contains("'upsample_1'", error.Message);
        Assert.Contains("'Resize'", error.Message);
    }

    [Fact]
    public void Cutting_keeps_only_what_the_cut_node_needs()
    {
        using var w = OnnxPeer.Wave(2, 3) * 0.1f;
        var model = Model(13,
            [Node("Relu", "features", ["x"], ["f"]), Node("MatMul", "classifier", ["f", "w"], ["y"])],
            [Value("x", F32, 1, 2)], [Value("y", F32)], Init("w", w));

        using var cut = OnnxModule.Load(new MemoryStream(model.ToByteArray()), "m", cutAt: "features");
        Assert.Equal(new[] { "f" }, cut.OutputNames);
        Assert.Equal(new[] { new OnnxNodeInfo("features", "Relu", ["x"], ["f"]) }.Select(n => (n.Name, n.OpType)), cut.Nodes.Select(n => (n.Name, n.OpType)));
        Assert.Empty(cut.parameters());   // the classifier's weight went with it
        var error = Assert.Throws<OnnxImportException>(() => OnnxModule.Load(new MemoryStream(model.ToByteArray()), "m", cutAt: "feature"));
        Assert.Contains("did you mean 'features'", error.Message);
    }

    [Fact]
    public void External_data_is_read_from_the_models_folder_and_nowhere_else()
    {
        using var folder = new SpecTune.Tests.Weights.TempFolder();
        using var w = OnnxPeer.Wave(2, 3);
        File.WriteAllBytes(folder.File("w.bin"), [0, 0, 0, 0, .. w.bytes]);   // 4 bytes of something else first
        TensorProto External(string location)
        {
            var proto = new TensorProto { Name = "w", DataType = F32, DataLocation = TensorProto.Types.DataLocation.External };
            proto.Dims.AddRange([2, 3]);
            proto.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
            proto.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "4" });
            return proto;
        }
        ModelProto Make(string location) =>
            Model(13, [Node("MatMul", "mm", ["x", "w"], ["y"])], [Value("x", F32, 1, 2)], [Value("y", F32)], External(location));

        var inside = folder.File("inside.onnx");
        File.WriteAllBytes(inside, Make("w.bin").ToByteArray());
        using (var module = OnnxModule.Load(inside))
            Assert.True(module.named_parameters().Single().parameter.equal(w).all().item<bool>());

        var outside = folder.File("outside.onnx");
        File.WriteAllBytes(outside, Make("../w.bin").ToByteArray());
        Assert.Contains("outside the model's folder", Assert.Throws<OnnxImportException>(() => OnnxModule.Load(outside)).Message);
        // Even an absolute path into the folder is refused: locations are relative by the ONNX spec.
        var absolute = folder.File("absolute.onnx");
        File.WriteAllBytes(absolute, Make(folder.File("w.bin")).ToByteArray());
        Assert.Contains("outside the model's folder", Assert.Throws<OnnxImportException>(() => OnnxModule.Load(absolute)).Message);
    }

    [Fact]
    public void BatchNorm_statistics_follow_onnx_momentum_in_training_and_the_modules_own_when_changed()
    {
        using var zeros4 = zeros(2);
        using var ones4 = ones(2);
        var model = Model(13,
            [Node("BatchNormalization", "bn", ["x", "s", "b", "m", "v"], ["y"], Float("momentum", 0.75f))],
            [Value("x", F32, 3, 2, 2, 2)], [Value("y", F32)], Init("s", ones4), Init("b", zeros4), Init("m", zeros4), Init("v", ones4));
        using var module = OnnxModule.Load(new MemoryStream(model.ToByteArray()), "bn");
        var bn = (TorchSharp.Modules.BatchNorm2d)module.named_modules().Single(m => m.name == "bn").module;
        Assert.Equal(0.25, bn.momentum!.Value, 6);   // ONNX keeps 0.75 of the old statistics; PyTorch's momentum is the new share

        using var x = OnnxPeer.Wave(3, 2, 2, 2) + 2f;
        using var batchMean = x.mean([0, 2, 3]);
        module.train();
        using (module.call(x)) { }
        using (var expected = batchMean * 0.25f)
            Assert.True(bn.running_mean!.allclose(expected, rtol: 1e-5, atol: 1e-6));

        bn.momentum = 1.0;
        using (module.call(x)) { }
        Assert.True(bn.running_mean!.allclose(batchMean, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Not_an_onnx_file_is_a_clear_error()
    {
        Assert.Contains("not an ONNX model", Assert.Throws<OnnxImportException>(() => OnnxModule.Load(new MemoryStream([1, 2, 3, 4, 5]), "junk")).Message);
    }
}
