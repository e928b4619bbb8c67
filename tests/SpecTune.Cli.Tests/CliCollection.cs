namespace SpecTune.Tests;

/// <summary>
/// Commands that build networks or train use torch's global state (seed, threads) and the process's
/// current directory is never changed; they still run one at a time so that seeded runs stay reproducible.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CliCollection
{
    public const string Name = "spectune CLI";
}
