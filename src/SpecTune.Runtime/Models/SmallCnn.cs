using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SpecTune.Models;

/// <summary>
/// The zoo's small conv net for 28x28-ish images: three conv-bn-relu stages (conv1/bn1, conv2/bn2,
/// conv3/bn3; max-pool after the first two), global average pooling, head slot `fc`.
/// Channel widths default to 32, 64, 128 (`hidden:` in the spec).
/// </summary>
internal sealed class SmallCnn : FineTuneNetwork
{
    private readonly Conv2d conv1, conv2, conv3;
    private readonly BatchNorm2d bn1, bn2, bn3;
    private readonly Module<Tensor, Tensor> fc;
    private readonly int _featureCount;

    /// <summary>The default channel widths.</summary>
    public static IReadOnlyList<int> DefaultWidths { get; } = new[] { 32, 64, 128 };

    /// <summary>Builds the network with <paramref name="head"/> in the `fc` slot.</summary>
    public SmallCnn(int inputChannels, IReadOnlyList<int> widths, Module<Tensor, Tensor> head) : base("cnn")
    {
        if (widths.Count != 3) throw new ArgumentException($"cnn takes three channel widths (hidden: [a, b, c]); got {widths.Count}.", nameof(widths));
        conv1 = Conv2d(inputChannels, widths[0], 3, padding: 1, bias: false);
        bn1 = BatchNorm2d(widths[0]);
        conv2 = Conv2d(widths[0], widths[1], 3, padding: 1, bias: false);
        bn2 = BatchNorm2d(widths[1]);
        conv3 = Conv2d(widths[1], widths[2], 3, padding: 1, bias: false);
        bn3 = BatchNorm2d(widths[2]);
        _featureCount = widths[2];
        fc = head;
        RegisterComponents();
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
        new("block1", ["conv1", "bn1"]),
        new("block2", ["conv2", "bn2"]),
        new("block3", ["conv3", "bn3"]), // with the global pooling
    ];

    /// <inheritdoc />
    internal override IReadOnlyList<BackboneStage> Stages => StageList;

    /// <inheritdoc />
    internal override Tensor RunStage(int stage, Tensor x) => stage switch
    {
        0 => functional.max_pool2d(functional.relu(bn1.call(conv1.call(x))), 2),
        1 => functional.max_pool2d(functional.relu(bn2.call(conv2.call(x))), 2),
        _ => functional.adaptive_avg_pool2d(functional.relu(bn3.call(conv3.call(x))), 1).flatten(1),
    };
}
