using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Tests;

public class TorchInitialisationTests
{
    [Fact]
    public void Torch_initialises_and_a_training_step_reduces_the_loss()
    {
        torch.manual_seed(1);
        var model = nn.Linear(4, 1);
        var x = torch.randn(64, 4);
        var y = x.sum(1, keepdim: true);
        var optimizer = optim.SGD(model.parameters(), 0.1);

        float Loss() { using var _ = torch.no_grad(); return nn.functional.mse_loss(model.call(x), y).item<float>(); }
        var before = Loss();
        for (int i = 0; i < 5; i++)
        {
            optimizer.zero_grad();
            using var loss = nn.functional.mse_loss(model.call(x), y);
            loss.backward();
            optimizer.step();
        }
        Assert.True(Loss() < before * 0.9, $"loss did not fall: {before} -> {Loss()}");
    }
}
