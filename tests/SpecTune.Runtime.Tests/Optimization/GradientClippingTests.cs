using SpecTune.Optimization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpecTune.Tests.Optimization;

public class GradientClippingTests
{
    private static Parameter WithGrad(params float[] grad)
    {
        var p = new Parameter(torch.zeros(grad.Length));
        p.grad = torch.tensor(grad);
        return p;
    }

    [Fact]
    public void Scales_all_gradients_to_the_maximum_norm_and_returns_the_norm_before()
    {
        // Global norm of (3, 4) and (12) is sqrt(9 + 16 + 144) = 13.
        var a = WithGrad(3, 4);
        var b = WithGrad(12);
        var total = GradientClipping.ClipGlobalNorm([a, b], maxNorm: 1.0);

        Assert.Equal(13.0, total, 5);
        var scale = 1.0 / (13.0 + 1e-6);
        Assert.Equal(new[] { (float)(3 * scale), (float)(4 * scale) }, a.grad!.data<float>().ToArray());
        Assert.Equal((float)(12 * scale), b.grad!.item<float>(), 6);
    }

    [Fact]
    public void Leaves_gradients_under_the_limit_and_ignores_parameters_without_one()
    {
        var a = WithGrad(3, 4);
        var none = new Parameter(torch.zeros(2));
        var total = GradientClipping.ClipGlobalNorm([a, none], maxNorm: 10.0);

        Assert.Equal(5.0, total, 5);
        Assert.Equal(new[] { 3f, 4f }, a.grad!.data<float>().ToArray());
        Assert.Null(none.grad);
        Assert.Equal(0.0, GradientClipping.ClipGlobalNorm([none], 1.0));
    }

    [Fact]
    public void Agrees_with_TorchSharps_clip_grad_norm()
    {
        var generator = new Generator(3);
        var ours = new[] { new Parameter(torch.zeros(4, 3)), new Parameter(torch.zeros(7)) };
        var theirs = new[] { new Parameter(torch.zeros(4, 3)), new Parameter(torch.zeros(7)) };
        foreach (var (o, t) in ours.Zip(theirs))
        {
            o.grad = torch.randn(o.shape, generator: generator) * 3;
            t.grad = o.grad.clone();
        }

        var total = GradientClipping.ClipGlobalNorm(ours, 0.5);
        var reference = nn.utils.clip_grad_norm_(theirs, 0.5);

        Assert.Equal(reference, total, 5);
        foreach (var (o, t) in ours.Zip(theirs))
            FineTuneOptimizerTests.AssertClose(t.grad!, o.grad!, 1e-6);
    }
}
