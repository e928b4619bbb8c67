namespace SpecTune.Generators.Tests.Generated;

/// <summary>
/// The attribute twin of Specs/TinyShirts.spectune.yaml under another name, compiled by the generator in this
/// project's real build (attributes from the generator's post-initialization output, [Embedded]).
/// </summary>
[FineTune("cnn", Input = [1, 28, 28], Hidden = [4, 8, 8], Task = "binary-classification", Loss = "binary-cross-entropy",
    Metrics = ["accuracy"], Seed = 3)]
[Group("stem", "conv1.*", "bn1.*")]
[Head("linear:1", "sigmoid")]
[Data("idx", "shirts-train-images-idx3-ubyte.gz", TrainLabels = "shirts-train-labels-idx1-ubyte.gz", Split = 0.2, Classes = [0, 6], BatchSize = 32)]
[Optimizer("adam", 1.0e-2)]
[Phase("head-only", 1, "head")]
[Phase("unfreeze", 1, "head", "base", "stem", Schedule = "cosine", WarmupRatio = 0.1)]
[LearningRate("unfreeze", "head", 1.0e-3)]
[LearningRate("unfreeze", "base", 5.0e-4)]
[LearningRate("unfreeze", "stem", 1.0e-4)]
public partial class TinyShirtsTwin
{
    /// <summary>A member of the user's half of the class, next to the generated half.</summary>
    public string Describe() => $"{Spec.Name}: {Spec.Phases.Count} phases";
}
