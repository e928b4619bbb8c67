using SpecTune.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Tests.Models;

[Collection(GlobalTorchRngCollection.Name)]
public class BackboneStageTests
{
    public static TheoryData<string> Networks => new() { "cnn", "resnet18", "resnet50", "mlp" };

    private static (FineTuneNetwork Network, Tensor Input) Build(string architecture)
    {
        torch.manual_seed(5);
        FineTuneNetwork network = architecture switch
        {
            "cnn" => new SmallCnn(1, [4, 8, 8], nn.Sequential(nn.Linear(8, 3))),
            "resnet18" => new ResNet(18, 3, nn.Sequential(nn.Linear(512, 3))),
            "resnet50" => new ResNet(50, 3, nn.Sequential(nn.Linear(2048, 3))),
            _ => new Mlp(12, [6], nn.Sequential(nn.Linear(6, 3))),
        };
        network.eval();
        var input = architecture switch
        {
            "cnn" => torch.randn(4, 1, 12, 12),
            "mlp" => torch.randn(4, 12),
            _ => torch.randn(2, 3, 32, 32),
        };
        return (network, input);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Running_the_stages_in_any_two_pieces_is_the_whole_network(string architecture)
    {
        var (network, input) = Build(architecture);
        using var _ = network;
        using var scope = NewDisposeScope();
        var whole = network.call(input);
        int stages = network.Stages.Count;

        Assert.True(network.Features(input).equal(network.RunStages(input, 0, stages)).all().item<bool>());
        for (int cut = 0; cut <= stages; cut++)
        {
            var prefix = network.RunStages(input, 0, cut);
            var rest = network.ForwardFrom(prefix, cut);
            Assert.True(whole.equal(rest).all().item<bool>(), $"cut after {cut} of {stages} stages differs");
        }
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Every_backbone_parameter_belongs_to_exactly_one_stage(string architecture)
    {
        var (network, _) = Build(architecture);
        using var __ = network;

        foreach (var (name, _) in network.named_parameters().Where(p => !p.name.StartsWith("fc.", StringComparison.Ordinal)))
            Assert.Single(network.Stages, s => s.Owns(name));
    }

    [Fact]
    public void ResNet_stages_follow_torchvision_blocks()
    {
        using var network = new ResNet(18, 3, nn.Sequential(nn.Linear(512, 2)));
        Assert.Equal(new[] { "stem", "layer1", "layer2", "layer3", "layer4" }, network.Stages.Select(s => s.Name));
        Assert.Throws<ArgumentOutOfRangeException>(() => network.RunStages(torch.zeros(1, 3, 32, 32), 3, 6));
    }
}
