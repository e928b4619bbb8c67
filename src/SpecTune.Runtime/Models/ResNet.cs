using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SpecTune.Models;

/// <summary>
/// ResNet-18/34/50 with torchvision's module names (conv1, bn1, layer1..layer4 of blocks named 0, 1, ...,
/// downsample.0/1, fc). TorchVision's own ResNet keeps `fc` private and cannot take a new head, hence this copy.
/// </summary>
internal sealed class ResNet : FineTuneNetwork
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Sequential layer1, layer2, layer3, layer4;
    private readonly Module<Tensor, Tensor> fc;
    private readonly int _featureCount;

    /// <summary>Builds a ResNet of the given depth (18, 34 or 50) with <paramref name="head"/> in the `fc` slot.</summary>
    public ResNet(int depth, int inputChannels, Module<Tensor, Tensor> head) : base($"resnet{depth}")
    {
        var (bottleneck, blocks) = depth switch
        {
            18 => (false, new[] { 2, 2, 2, 2 }),
            34 => (false, new[] { 3, 4, 6, 3 }),
            50 => (true, new[] { 3, 4, 6, 3 }),
            _ => throw new ArgumentOutOfRangeException(nameof(depth), depth, "ResNet depth must be 18, 34 or 50."),
        };
        int expansion = bottleneck ? 4 : 1;
        conv1 = Conv2d(inputChannels, 64, 7, stride: 2, padding: 3, bias: false);
        bn1 = BatchNorm2d(64);
        int inPlanes = 64;
        layer1 = MakeLayer(ref inPlanes, 64, blocks[0], 1, bottleneck);
        layer2 = MakeLayer(ref inPlanes, 128, blocks[1], 2, bottleneck);
        layer3 = MakeLayer(ref inPlanes, 256, blocks[2], 2, bottleneck);
        layer4 = MakeLayer(ref inPlanes, 512, blocks[3], 2, bottleneck);
        _featureCount = 512 * expansion;
        fc = head;
        RegisterComponents();
        InitialiseLikeTorchvision();
    }

    /// <inheritdoc />
    public override string HeadSlot => "fc";

    /// <inheritdoc />
    public override int FeatureCount => _featureCount;

    /// <inheritdoc />
    public override Module<Tensor, Tensor> Head => fc;

    /// <inheritdoc />
    public override Tensor Features(Tensor input) => RunStages(input, 0, StageList.Count);

    private static readonly IReadOnlyList<BackboneStage> StageList =
    [
        new("stem", ["conv1", "bn1"]),
        new("layer1", ["layer1"]),
        new("layer2", ["layer2"]),
        new("layer3", ["layer3"]),
        new("layer4", ["layer4"]), // with the global pooling: the last stage ends in the features
    ];

    /// <inheritdoc />
    internal override IReadOnlyList<BackboneStage> Stages => StageList;

    /// <inheritdoc />
    internal override Tensor RunStage(int stage, Tensor x) => stage switch
    {
        0 => functional.max_pool2d(functional.relu(bn1.call(conv1.call(x))), 3, 2, 1),
        1 => layer1.call(x),
        2 => layer2.call(x),
        3 => layer3.call(x),
        _ => functional.adaptive_avg_pool2d(layer4.call(x), 1).flatten(1),
    };

    private static Sequential MakeLayer(ref int inPlanes, int planes, int count, int stride, bool bottleneck)
    {
        var blocks = new List<Module<Tensor, Tensor>>();
        int expansion = bottleneck ? 4 : 1;
        for (int i = 0; i < count; i++)
        {
            int s = i == 0 ? stride : 1;
            Sequential? downsample = null;
            if (i == 0 && (stride != 1 || inPlanes != planes * expansion))
                downsample = Sequential(Conv2d(inPlanes, planes * expansion, 1, stride: s, bias: false), BatchNorm2d(planes * expansion));
            blocks.Add(bottleneck
                ? new Bottleneck($"bottleneck{i}", inPlanes, planes, s, downsample)
                : new BasicBlock($"basic{i}", inPlanes, planes, s, downsample));
            inPlanes = planes * expansion;
        }
        return Sequential(blocks);
    }

    private void InitialiseLikeTorchvision()
    {
        using var _ = no_grad();
        foreach (var (name, module) in named_modules())
        {
            if (name.StartsWith("fc", StringComparison.Ordinal)) continue; // the head initialises itself
            if (module is Conv2d conv) init.kaiming_normal_(conv.weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
            else if (module is BatchNorm2d bn) { bn.weight!.fill_(1); bn.bias!.zero_(); }
        }
    }

    private sealed class BasicBlock : Module<Tensor, Tensor>
    {
        private readonly Conv2d conv1, conv2;
        private readonly BatchNorm2d bn1, bn2;
        private readonly Sequential? downsample;

        public BasicBlock(string name, int inPlanes, int planes, int stride, Sequential? downsample) : base(name)
        {
            conv1 = Conv2d(inPlanes, planes, 3, stride: stride, padding: 1, bias: false);
            bn1 = BatchNorm2d(planes);
            conv2 = Conv2d(planes, planes, 3, padding: 1, bias: false);
            bn2 = BatchNorm2d(planes);
            this.downsample = downsample;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var y = functional.relu(bn1.call(conv1.call(x)));
            y = bn2.call(conv2.call(y));
            var identity = downsample is null ? x : downsample.call(x);
            return functional.relu(y.add_(identity)).MoveToOuterDisposeScope();
        }
    }

    private sealed class Bottleneck : Module<Tensor, Tensor>
    {
        private readonly Conv2d conv1, conv2, conv3;
        private readonly BatchNorm2d bn1, bn2, bn3;
        private readonly Sequential? downsample;

        public Bottleneck(string name, int inPlanes, int planes, int stride, Sequential? downsample) : base(name)
        {
            conv1 = Conv2d(inPlanes, planes, 1, bias: false);
            bn1 = BatchNorm2d(planes);
            conv2 = Conv2d(planes, planes, 3, stride: stride, padding: 1, bias: false);
            bn2 = BatchNorm2d(planes);
            conv3 = Conv2d(planes, planes * 4, 1, bias: false);
            bn3 = BatchNorm2d(planes * 4);
            this.downsample = downsample;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var y = functional.relu(bn1.call(conv1.call(x)));
            y = functional.relu(bn2.call(conv2.call(y)));
            y = bn3.call(conv3.call(y));
            var identity = downsample is null ? x : downsample.call(x);
            return functional.relu(y.add_(identity)).MoveToOuterDisposeScope();
        }
    }
}
