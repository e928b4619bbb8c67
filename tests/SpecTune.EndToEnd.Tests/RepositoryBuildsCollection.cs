namespace SpecTune.Tests;

/// <summary>
/// Tests that build or pack the repository's projects (into their bin/ and obj/ folders) run one at a time: two packs
/// of SpecTune.Cli at once write the same files.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RepositoryBuildsCollection
{
    public const string Name = "builds from the repository";
}
