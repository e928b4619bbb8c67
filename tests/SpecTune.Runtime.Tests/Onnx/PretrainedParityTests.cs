using SpecTune.Onnx;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SpecTune.Tests.Onnx;

/// <summary>
/// The imported real models against ONNX Runtime on the same inputs: ImageNet ResNet-18 (CNTK export, opset 8,
/// numbered initializers) and all-MiniLM-L6-v2 (PyTorch export, opset 13, named initializers).
/// </summary>
public sealed class PretrainedParityTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    [Fact]
    public void ResNet18_matches_onnx_runtime_and_every_weight_gets_a_gradient()
    {
        using var module = OnnxModule.Load(OnnxPeer.ResNet18Path);
        using var input = OnnxPeer.Wave(1, 3, 224, 224);
        var expected = OnnxPeer.Run(File.ReadAllBytes(OnnxPeer.ResNet18Path), (module.InputNames[0], input));

        module.eval();
        using (var actual = module.call(input))
        {
            double error = OnnxPeer.RelativeError(actual, expected[0]);
            output.WriteLine($"ResNet-18 [1,3,224,224] -> [1,512,1,1]: max relative error {error:E2}");
            Assert.True(error < Tolerance, $"relative error {error}");
        }
        foreach (var t in expected) t.Dispose();

        // Names: CNTK numbered its tensors, so they are named after the nodes that use them.
        Assert.Contains(module.named_parameters(), p => p.name == "Convolution249.weight");
        Assert.Contains(module.named_buffers(), b => b.name == "BatchNormalization251.running_var");
        Assert.Equal(22, module.named_modules().Count(m => m.module is TorchSharp.Modules.BatchNorm2d));

        module.train();
        // The graph ends in a fixed 7x7 average pool, so it takes 224x224 images only.
        using (var loss = module.call(input).square().sum())
            loss.backward();
        var parameters = module.named_parameters().ToList();
        Assert.Equal(22 + 22 * 2, parameters.Count);   // 22 conv weights (no bias), 22 BatchNorm scale and shift
        Assert.All(parameters, p => Assert.True(p.parameter.grad is { } g && g.abs().sum().item<float>() > 0, p.name + " has no gradient"));
    }

    [Fact]
    public void MiniLM_matches_onnx_runtime_and_every_weight_gets_a_gradient()
    {
        var model = OnnxPeer.MiniLM();
        using var module = OnnxModule.Load(new MemoryStream(model), "all-MiniLM-L6-v2");
        Assert.Equal(new[] { "input_ids", "attention_mask", "token_type_ids" }, module.InputNames);

        // Two sentences, the second padded: the attention mask must hide its last three tokens.
        using var ids = tensor(new long[] { 101, 1996, 4937, 2938, 2006, 1996, 13523, 102, 101, 7592, 2088, 102, 0, 0, 0, 0 }).reshape(2, 8);
        using var mask = tensor(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0 }).reshape(2, 8);
        using var types = zeros_like(ids);
        var expected = OnnxPeer.Run(model, ("input_ids", ids), ("attention_mask", mask), ("token_type_ids", types));

        module.eval();
        var actual = module.Run(ids, mask, types);
        try
        {
            for (int i = 0; i < expected.Length; i++)
            {
                double error = OnnxPeer.RelativeError(actual[i], expected[i]);
                output.WriteLine($"MiniLM output '{module.OutputNames[i]}' {string.Join("x", actual[i].shape)}: max relative error {error:E2}");
                Assert.True(error < Tolerance, $"{module.OutputNames[i]}: relative error {error}");
            }
        }
        finally
        {
            foreach (var t in expected.Concat(actual)) t.Dispose();
        }

        Assert.Contains(module.named_parameters(), p => p.name == "encoder.layer.0.attention.self.query.bias");
        module.train();
        var outputs = module.Run(ids, mask, types);
        using (var loss = outputs[0].square().mean() + outputs[1].sum())
            loss.backward();
        foreach (var t in outputs) t.Dispose();
        var parameters = module.named_parameters().ToList();
        output.WriteLine($"MiniLM: {parameters.Count} trainable initializers");
        Assert.All(parameters, p => Assert.True(p.parameter.grad is { } g && g.abs().sum().item<float>() > 0, p.name + " has no gradient"));
    }
}
