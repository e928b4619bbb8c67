namespace SpecTune.Bench;

/// <summary>A model at an input size and batch size, with the synthetic data set its runs read.</summary>
/// <param name="Name">Short id used in file names and JSON.</param>
/// <param name="Title">Table label.</param>
/// <param name="Architecture">Zoo architecture.</param>
/// <param name="Channels">Channels the model sees (the IDX files hold one; `channels: 3` expands them).</param>
/// <param name="Size">Height and width.</param>
/// <param name="Batch">Batch size.</param>
/// <param name="Samples">Samples per epoch (a whole number of batches).</param>
/// <param name="Warmup">Steps left out of the rate (allocator and kernel warm-up).</param>
public sealed record Workload(string Name, string Title, string Architecture, int Channels, int Size, int Batch, int Samples, int Warmup)
{
    public const int Classes = 10;

    public int FeatureCount => Architecture == "cnn" ? 128 : 512;

    public int Steps => Samples / Batch;

    public static IReadOnlyList<Workload> All { get; } = new[]
    {
        new Workload("cnn28", "cnn 28x28 b128", "cnn", 1, 28, 128, 40 * 128, 3),
        // A few dozen steps: ResNet-18 on 2 cores runs about a step per second.
        new Workload("resnet18-64", "resnet18 64x64 b32", "resnet18", 3, 64, 32, 24 * 32, 2),
    };

    public static Workload Find(string name) => All.Single(w => w.Name == name);

    public string ImagesFile => $"{Name}-images-idx3-ubyte";

    public string LabelsFile => $"{Name}-labels-idx1-ubyte";
}

/// <summary>
/// The phases measured: head-only and full against the hand-written loop; top (the last backbone stage and the head,
/// the rest frozen) with and without the feature cache, which then cuts inside the backbone.
/// </summary>
public static class Phases
{
    public const string HeadOnly = "head-only", Full = "full", Top = "top";

    public static string TrainList(string phase) => phase switch
    {
        HeadOnly => "[head]",
        Top => "[head, top]",
        _ => "[head, base]",
    };

    /// <summary>The spec's `groups:` entry for the top phase: the workload's last backbone stage.</summary>
    public static string TopGroup(Workload w) => w.Architecture == "cnn" ? """top: ["conv3.*", "bn3.*"]""" : """top: ["layer4.*"]""";

    /// <summary>The last cached stage the top phase should report.</summary>
    public static string TopCut(Workload w) => w.Architecture == "cnn" ? "block2" : "layer3";
}
