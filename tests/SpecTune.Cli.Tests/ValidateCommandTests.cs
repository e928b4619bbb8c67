namespace SpecTune.Tests;

[Collection(CliCollection.Name)]
public sealed class ValidateCommandTests : IDisposable
{
    private readonly TestWorkspace _workspace = new();

    [Fact]
    public void A_valid_spec_is_ok_with_exit_code_0()
    {
        var spec = TinySpec.Write(_workspace);
        var result = CliRunner.Run("validate", spec);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"{spec}: ok", result.Out.Trim());
        Assert.Equal("", result.Error);
    }

    [Fact]
    public void A_spec_error_prints_the_diagnostic_at_its_line_and_exits_1()
    {
        var spec = TinySpec.Write(_workspace, replace: "task: binary-classification", with: "task: binary-clasification");
        var result = CliRunner.Run("validate", spec);
        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"{spec}(9,7): error SPT0008: 'binary-clasification' is not a valid value for 'task'", line);
        Assert.Contains("did you mean 'binary-classification'", line);
    }

    [Fact]
    public void A_group_pattern_that_matches_no_parameter_is_found_by_building_the_network()
    {
        var spec = TinySpec.Write(_workspace, replace: "\"layers.*\"", with: "\"layer.*\"");
        var result = CliRunner.Run("validate", spec);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"{spec}(5,10): error SPT0200: Pattern 'layer.*' of group 'body' matches no parameter of mlp", result.Error.Trim());
    }

    [Fact]
    public void Deep_validation_reports_a_missing_data_file_at_the_spec_line_that_names_it()
    {
        var spec = TinySpec.Write(_workspace, replace: "labels: valid-labels-idx1-ubyte.gz", with: "labels: missing-labels.gz");
        Assert.Equal(0, CliRunner.Run("validate", spec).ExitCode);

        var result = CliRunner.Run("validate", spec, "--deep");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"{spec}(13,", result.Error.Trim());
        Assert.Contains("error SPT0300: " + _workspace.PathOf("missing-labels.gz") + ": file not found", result.Error);
    }

    [Fact]
    public void The_ImageNet_example_validates_through_its_onnx_graph()
    {
        // The example's spec, unchanged, beside models/ResNet18.onnx (the copy the build links from the NuGet package).
        var spec = _workspace.PathOf("imagenet-shirts.spectune.yaml");
        File.Copy(Path.Combine(RepoFiles.Root, "examples", "ImageNetResNet18FineTune", "imagenet-shirts.spectune.yaml"), spec);
        Directory.CreateDirectory(_workspace.PathOf("models"));
        File.CreateSymbolicLink(_workspace.PathOf("models/ResNet18.onnx"), Path.Combine(AppContext.BaseDirectory, "models", "ResNet18.onnx"));

        var result = CliRunner.Run("validate", spec);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"{spec}: ok", result.Out.Trim());
    }

    [Fact]
    public void A_group_pattern_that_matches_no_onnx_parameter_is_found_in_the_imported_graph()
    {
        var spec = _workspace.PathOf("imagenet-shirts.spectune.yaml");
        var text = File.ReadAllText(Path.Combine(RepoFiles.Root, "examples", "ImageNetResNet18FineTune", "imagenet-shirts.spectune.yaml"));
        File.WriteAllText(spec, text.Replace("\"Convolution367.*\"", "\"Convolution9999.*\"", StringComparison.Ordinal));
        Directory.CreateDirectory(_workspace.PathOf("models"));
        File.CreateSymbolicLink(_workspace.PathOf("models/ResNet18.onnx"), Path.Combine(AppContext.BaseDirectory, "models", "ResNet18.onnx"));

        var result = CliRunner.Run("validate", spec);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error SPT0200: Pattern 'Convolution9999.*' of group 'top' matches no parameter", result.Error);
    }

    [Fact]
    public void A_missing_onnx_graph_is_reported_at_base_onnx()
    {
        var spec = _workspace.PathOf("imagenet-shirts.spectune.yaml");
        File.Copy(Path.Combine(RepoFiles.Root, "examples", "ImageNetResNet18FineTune", "imagenet-shirts.spectune.yaml"), spec);

        var result = CliRunner.Run("validate", spec);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"{spec}(9,", result.Error.Trim());
        Assert.Contains($"error SPT0304: {_workspace.PathOf("models/ResNet18.onnx")}: ONNX model not found", result.Error);
    }

    [Fact]
    public void A_missing_spec_file_is_an_error()
    {
        var result = CliRunner.Run("validate", _workspace.PathOf("none.spectune.yaml"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error SPT0305: spec file not found", result.Error);
    }

    public void Dispose() => _workspace.Dispose();
}

public sealed class RunErrorDocumentationTests
{
    [Fact]
    public void Every_run_and_build_error_id_is_documented()
    {
        // Every run and build id lives in the one catalogue.
        var ids = SpecTune.Spec.SpecDiagnostics.All.Select(d => d.Id).Where(id => string.CompareOrdinal(id, "SPT0300") >= 0).ToList();
        Assert.Contains("SPT0300", ids);
        Assert.Contains("SPT0399", ids);
        var docs = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "diagnostics.md"));
        foreach (var id in ids)
            Assert.Matches(new System.Text.RegularExpressions.Regex("^## " + id + " ", System.Text.RegularExpressions.RegexOptions.Multiline), docs);
        // The build-only ids are the ones the targets and tasks use.
        var targets = File.ReadAllText(Path.Combine(RepoRoot(), "src", "SpecTune.Build", "buildTransitive", "SpecTune.targets"));
        Assert.Contains("SPT0397", targets);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SpecTune.sln"))) return dir.FullName;
        throw new InvalidOperationException("SpecTune.sln not found");
    }
}
