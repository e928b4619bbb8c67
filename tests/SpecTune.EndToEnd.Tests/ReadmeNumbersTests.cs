namespace SpecTune.Tests;

/// <summary>
/// END-TO-END: the numbers README.md quotes for the Fashion-MNIST example are what a fresh run prints at the thread
/// count README states (tools/readme-numbers.sh --check: the example with pretraining, about 2 minutes on 2 cores).
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(RepositoryBuildsCollection.Name)]
public sealed class ReadmeNumbersTests
{
    [Fact]
    public void The_readme_table_is_what_a_fresh_run_prints()
    {
        var root = FindRepoRoot();
        var check = Processes.Run("sh", root, TimeSpan.FromMinutes(10), "tools/readme-numbers.sh", "--check");
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("threads: 2", check.Output);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SpecTune.sln"))) return dir.FullName;
        throw new InvalidOperationException("SpecTune.sln not found above " + AppContext.BaseDirectory);
    }
}
