using TorchSharp.Modules;

namespace SpecTune.Optimization;

/// <summary>
/// One parameter group handed to a <see cref="FineTuneOptimizer"/>: the trained parameters of one spec
/// group in one phase, by their module names (e.g. <c>layer4.0.conv1.weight</c>), and the group's base
/// learning rate. The names key the optimizer state in checkpoints, so they must be unique across groups.
/// </summary>
/// <param name="Name">The spec group's name (e.g. <c>head</c>, <c>top</c>).</param>
/// <param name="Parameters">The group's parameters by module name.</param>
/// <param name="LearningRate">The group's base (peak) learning rate; a schedule scales it per step.</param>
public sealed record OptimizerGroup(string Name, IReadOnlyList<KeyValuePair<string, Parameter>> Parameters, double LearningRate);
