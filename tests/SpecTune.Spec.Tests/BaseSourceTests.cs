namespace SpecTune.Spec.Tests;

/// <summary>`base:` with an imported ONNX model, `cut-at` and `rename`.</summary>
public class BaseSourceTests
{
    private const string OnnxBase = """
        base:
          onnx: models/resnet18.onnx
          cut-at: ReLU393
          input: [3, 64, 64]
          rename: { "module.": "", "Convolution249": stem }
        """;

    private static SpecReadResult Read(string baseSection) =>
        SpecYamlReader.Read(Samples.Replace(Samples.Minimal, "base: { architecture: mlp, input: [784] }", baseSection), "s.spectune.yaml");

    [Fact]
    public void Onnx_base_reads_path_cut_and_renames()
    {
        var result = Read(OnnxBase);

        Assert.Empty(result.Diagnostics);
        var b = result.Spec!.Base;
        Assert.Equal("", b.Architecture);
        Assert.Equal("models/resnet18.onnx", b.Onnx);
        Assert.Equal("ReLU393", b.CutAt);
        Assert.Equal(new[] { new RenameSpec("module.", ""), new RenameSpec("Convolution249", "stem") }, b.Rename);
    }

    [Fact]
    public void Renames_and_onnx_change_the_spec_hash()
    {
        var a = Read(OnnxBase).Spec!;
        var b = Read(OnnxBase.Replace("stem", "stem2")).Spec!;
        var c = Read(OnnxBase.Replace("ReLU393", "ReLU385")).Spec!;

        Assert.NotEqual(SpecHash.Compute(a), SpecHash.Compute(b));
        Assert.NotEqual(SpecHash.Compute(a), SpecHash.Compute(c));
    }

    [Theory]
    [InlineData("base: { input: [4] }", "neither is given", "base")]
    [InlineData("base: { architecture: mlp, onnx: m.onnx, input: [4] }", "both are given", "onnx")]
    public void Base_needs_exactly_one_source(string baseSection, string detail, string at)
    {
        var result = Read(baseSection);

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("SPT0140", diagnostic.Id);
        Assert.EndsWith(detail, diagnostic.Message);
        var text = Samples.Replace(Samples.Minimal, "base: { architecture: mlp, input: [784] }", baseSection);
        Assert.Equal(Samples.Position(text, at).Line, Samples.Display(diagnostic.Span).Line);
    }

    [Fact]
    public void Cut_at_needs_onnx()
    {
        var diagnostic = Assert.Single(Read("base: { architecture: mlp, cut-at: x, input: [4] }").Diagnostics);

        Assert.Equal("SPT0141", diagnostic.Id);
    }

    [Theory]
    [InlineData("rename: [a, b]")]
    [InlineData("rename: { a: ~ }")]
    [InlineData("rename: { a: [b] }")]
    public void Rename_must_map_prefixes_to_prefixes(string rename)
    {
        var result = Read("base: { architecture: mlp, input: [4], " + rename + " }");

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("SPT0006", diagnostic.Id);
    }

    [Fact]
    public void Unknown_base_key_suggests_cut_at()
    {
        var diagnostic = Assert.Single(Read("base: { onnx: m.onnx, cut_at: x, input: [4] }").Diagnostics);

        Assert.Equal("SPT0004", diagnostic.Id);
        Assert.Contains("cut-at", diagnostic.Message);
    }
}
