namespace SpecTune.Tests;

/// <summary>
/// Tests that seed or draw from torch's global generator (training runs: initialisation, dropout;
/// RNG checkpoints) run alone: a parallel test drawing in between would break their determinism.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalTorchRngCollection
{
    public const string Name = "torch global RNG";
}
