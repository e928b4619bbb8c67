namespace SpecTune.Tests;

[Collection(CliCollection.Name)]
public sealed class InspectPlotInitTests : IDisposable
{
    private readonly TestWorkspace _workspace = new();

    [Fact]
    public void Inspect_an_architecture_under_a_spec_lists_groups_and_counts_per_phase()
    {
        var spec = TinySpec.Write(_workspace);
        var result = CliRunner.Run("inspect", "mlp", "--spec", spec);
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Out.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Replace(l.TrimEnd(), " {2,}", " | ")).ToList();
        Assert.Contains("mlp: 4 parameter tensors, 1,169 weights", lines);
        Assert.Contains("layers.0.weight | [8, 144] | float32 | body", lines);
        Assert.Contains("fc.0.weight | [1, 8] | float32 | head", lines);
        Assert.Contains("head-only | 9 | 1,160 | head", lines);
        Assert.Contains("unfreeze | 1,169 | 0 | head, body", lines);
    }

    [Fact]
    public void Inspect_a_weights_file_lists_names_shapes_and_dtypes()
    {
        var spec = TinySpec.Write(_workspace);
        Assert.Equal(0, CliRunner.Run("train", spec).ExitCode);
        var result = CliRunner.Run("inspect", _workspace.PathOf("out/tiny.safetensors"), "--spec", spec);
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Out.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Replace(l.TrimEnd(), " {2,}", " | ")).ToList();
        Assert.Contains("layers.0.bias | [8] | F32 | body", lines);
        // A one-layer head is written under torchvision's names.
        Assert.Contains("fc.bias | [1] | F32 | head", lines);
    }

    private static List<string> Rows(string output) =>
        output.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Replace(l.TrimEnd(), " {2,}", " | ")).ToList();

    [Fact]
    public void Inspect_a_spec_shows_its_base_groups_and_phases()
    {
        var spec = TinySpec.Write(_workspace);
        var result = CliRunner.Run("inspect", spec);
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = Rows(result.Out);
        Assert.Matches(@"tiny\.spectune\.yaml: spec Tiny \(hash [0-9a-f]{12}\), base mlp, task binary-classification", lines[0]);
        Assert.Contains("groups: body (layers.*); head", lines);
        Assert.Contains("head-only | 2 | head", lines);
        Assert.Contains("unfreeze | 1 | head, body", lines);
    }

    [Fact]
    public void Inspect_a_metrics_log_shows_one_row_per_epoch()
    {
        var spec = TinySpec.Write(_workspace);
        Assert.Equal(0, CliRunner.Run("train", spec, "--threads", "1").ExitCode);
        var result = CliRunner.Run("inspect", _workspace.PathOf("out/tiny.metrics.jsonl"));
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = Rows(result.Out);
        Assert.EndsWith("tiny.metrics.jsonl: metrics log, 3 epochs in 2 phases", lines[0]);
        Assert.StartsWith("phase | epoch | train-loss | val-loss | val-accuracy", lines[2]);
        Assert.Matches(@"^head-only \| 2 \| \d\.\d{4} \| \d\.\d{4} \| \d\.\d{4}", lines[4]);
        Assert.StartsWith("unfreeze | 1 | ", lines[5]);
    }

    [Fact]
    public void Inspect_an_onnx_model_lists_initializers_with_their_parameter_names_and_nodes()
    {
        var graph = new global::Onnx.GraphProto { Name = "g" };
        var weight = new global::Onnx.TensorProto { Name = "fc.weight", DataType = (int)global::Onnx.TensorProto.Types.DataType.Float };
        weight.Dims.AddRange([2L, 3L]);
        weight.FloatData.AddRange([1f, 2f, 3f, 4f, 5f, 6f]);
        var bias = new global::Onnx.TensorProto { Name = "fc.bias", DataType = (int)global::Onnx.TensorProto.Types.DataType.Float };
        bias.Dims.Add(2L);
        bias.FloatData.AddRange([0f, 1f]);
        graph.Initializer.AddRange([weight, bias]);
        var gemm = new global::Onnx.NodeProto { Name = "classifier", OpType = "Gemm" };
        gemm.Input.AddRange(["x", "fc.weight", "fc.bias"]);
        gemm.Output.Add("y");
        gemm.Attribute.Add(new global::Onnx.AttributeProto { Name = "transB", Type = global::Onnx.AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(gemm);
        graph.Input.Add(new global::Onnx.ValueInfoProto { Name = "x" });
        graph.Output.Add(new global::Onnx.ValueInfoProto { Name = "y" });
        var model = new global::Onnx.ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new global::Onnx.OperatorSetIdProto { Domain = "", Version = 13 });
        // No .onnx extension: the content decides.
        var path = _workspace.PathOf("model.bin");
        using (var stream = File.Create(path)) Google.Protobuf.MessageExtensions.WriteTo(model, stream);

        var result = CliRunner.Run("inspect", path);
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = Rows(result.Out);
        Assert.Equal($"{path}: ONNX model, opset 13, 1 nodes, 2 initializers (8 values)", lines[0]);
        Assert.Contains("inputs: x; outputs: y", lines);
        Assert.Contains("fc.weight | [2, 3] | float | fc.weight", lines);
        Assert.Contains("classifier | Gemm | x, fc.weight, fc.bias | y", lines);
    }

    [Fact]
    public void Inspect_reads_pytorch_and_torchsharp_files_by_their_content()
    {
        var pt = Path.Combine(RepoFiles.Root, "tests", "SpecTune.Runtime.Tests", "TestData", "pytorch", "tiny_state_dict.pt");
        var result = CliRunner.Run("inspect", pt);
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = Rows(result.Out);
        Assert.EndsWith("tiny_state_dict.pt: PyTorch state dict, 5 tensors, 125 values", lines[0]);
        Assert.Contains("module.fc.weight | [2, 4] | float64", lines);

        var dat = _workspace.PathOf("weights.dat");
        using (var tensor = TorchSharp.torch.ones(3, 2))
            SpecTune.Weights.WeightFiles.WriteTorchSharp(dat, new Dictionary<string, TorchSharp.torch.Tensor> { ["fc.weight"] = tensor });
        var datResult = CliRunner.Run("inspect", dat);
        Assert.True(datResult.ExitCode == 0, datResult.ToString());
        Assert.EndsWith("weights.dat: TorchSharp .dat file, 1 tensors, 6 values", Rows(datResult.Out)[0]);
    }

    [Fact]
    public void Inspect_names_the_kinds_it_reads_for_any_other_file()
    {
        var path = _workspace.PathOf("notes.txt");
        File.WriteAllText(path, "just some notes\n");
        var result = CliRunner.Run("inspect", path);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{path}: error: not a file spectune inspect reads; expected a safetensors file, a PyTorch zip", result.Error);
    }

    [Fact]
    public void Inspect_rejects_what_is_neither_file_nor_architecture()
    {
        var result = CliRunner.Run("inspect", "resnet7");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("'resnet7' is neither a file nor an architecture", result.Error);
    }

    [Fact]
    public void Plot_writes_a_png_of_the_metrics_log()
    {
        var spec = TinySpec.Write(_workspace);
        Assert.Equal(0, CliRunner.Run("train", spec).ExitCode);
        var png = _workspace.PathOf("plots/run.png");
        var result = CliRunner.Run("plot", _workspace.PathOf("out/tiny.metrics.jsonl"), "-o", png, "--width", "640", "--height", "400");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("3 epochs, 2 phases, curves: train-loss, val-loss, val-accuracy", result.Out);
        var bytes = File.ReadAllBytes(png);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        // IHDR holds the size big-endian at bytes 16..23.
        Assert.Equal(640, (bytes[16] << 24) | (bytes[17] << 16) | (bytes[18] << 8) | bytes[19]);
        Assert.Equal(400, (bytes[20] << 24) | (bytes[21] << 16) | (bytes[22] << 8) | bytes[23]);
    }

    [Fact]
    public void Plot_of_an_empty_log_is_an_error()
    {
        File.WriteAllText(_workspace.PathOf("empty.jsonl"), "");
        var result = CliRunner.Run("plot", _workspace.PathOf("empty.jsonl"), "-o", _workspace.PathOf("x.png"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("has no epochs yet", result.Error);
        Assert.False(File.Exists(_workspace.PathOf("x.png")));
    }

    [Fact]
    public void Init_writes_a_starter_spec_that_validates_and_does_not_overwrite()
    {
        var result = CliRunner.Run("init", "ShirtModel", "--dir", _workspace.Root);
        Assert.True(result.ExitCode == 0, result.ToString());
        var path = _workspace.PathOf("ShirtModel.spectune.yaml");
        var text = File.ReadAllText(path);
        Assert.StartsWith("# yaml-language-server: $schema=schemas/spectune.schema.json\n", text);
        Assert.Contains("name: ShirtModel\n", text);
        var validate = CliRunner.Run("validate", path);
        Assert.True(validate.ExitCode == 0, validate.ToString());
        Assert.Equal($"{path}: ok", validate.Out.Trim());

        // The $schema line resolves from the spec's folder, to this version's schema.
        var schema = Path.Combine(_workspace.Root, "schemas", "spectune.schema.json");
        Assert.True(File.Exists(schema), result.ToString());
        Assert.Equal(File.ReadAllText(RepoFiles.Schema), File.ReadAllText(schema));

        var again = CliRunner.Run("init", "ShirtModel", "--dir", _workspace.Root);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("exists; use --force", again.Error);
    }

    [Fact]
    public void Init_replaces_an_outdated_schema_and_writes_none_for_another_schema_reference()
    {
        var schema = _workspace.PathOf("schemas/spectune.schema.json");
        Directory.CreateDirectory(Path.GetDirectoryName(schema)!);
        File.WriteAllText(schema, "{}");
        Assert.Equal(0, CliRunner.Run("init", "First", "--dir", _workspace.Root).ExitCode);
        Assert.Equal(File.ReadAllText(RepoFiles.Schema), File.ReadAllText(schema));

        var elsewhere = Path.Combine(_workspace.Root, "elsewhere");
        var result = CliRunner.Run("init", "Second", "--dir", elsewhere, "--schema", "https://example.org/spectune.schema.json");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("# yaml-language-server: $schema=https://example.org/spectune.schema.json\n", File.ReadAllText(Path.Combine(elsewhere, "Second.spectune.yaml")));
        Assert.False(Directory.Exists(Path.Combine(elsewhere, "schemas")));
    }

    [Fact]
    public void Init_refuses_a_name_that_is_not_a_csharp_identifier()
    {
        var result = CliRunner.Run("init", "9Lives", "--dir", _workspace.Root);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error SPT0100", result.Error);
        Assert.False(File.Exists(_workspace.PathOf("9Lives.spectune.yaml")));
    }

    public void Dispose() => _workspace.Dispose();
}

[Collection(CliCollection.Name)]
public sealed class SpecWarningTests : IDisposable
{
    private readonly TestWorkspace _workspace = new();

    [Fact]
    public void Warnings_print_once_per_step_but_not_when_listing_files_for_the_build()
    {
        // SPT0124: split is ignored beside valid.
        var spec = TinySpec.Write(_workspace, replace: "batch-size: 16", with: "batch-size: 16\n  split: 0.2");
        var validate = CliRunner.Run("validate", spec);
        Assert.Equal(0, validate.ExitCode);
        Assert.Contains("warning SPT0124", validate.Error);
        Assert.Contains("ok (1 warning)", validate.Out);

        var list = CliRunner.Run("train", spec, "--list-inputs");
        Assert.Equal(0, list.ExitCode);
        Assert.Equal("", list.Error);
    }

    [Fact]
    public void A_bad_input_shape_for_inspect_is_an_error_not_a_crash()
    {
        var result = CliRunner.Run("inspect", "cnn", "--input", "1,x,28");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("spectune: error:", result.Error);
    }

    public void Dispose() => _workspace.Dispose();
}
