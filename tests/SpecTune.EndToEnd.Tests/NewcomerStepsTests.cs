using System.Text.RegularExpressions;

namespace SpecTune.Tests;

/// <summary>
/// END-TO-END: docs/tooling.md's "Packages from a clone" block, run as it stands: tools/local-feed.sh in the clone,
/// then template install, new project, build, train and run elsewhere. A home folder of the test's own keeps the
/// user's NuGet configuration, template hive and tools untouched; its NuGet configuration names the machine's
/// packages folder as a fallback, so libtorch is used where it is rather than extracted again.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(RepositoryBuildsCollection.Name)]
public sealed class NewcomerStepsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "spectune-newcomer", Guid.NewGuid().ToString("N"));

    [SkippableFact]
    public void The_documented_steps_work_verbatim_after_the_local_feed()
    {
        var repo = FindRepoRoot();
        Skip.If(Processes.Dotnet(repo, "pack", "--help").ExitCode != 0, "dotnet pack is not available");

        var docs = File.ReadAllText(Path.Combine(repo, "docs", "tooling.md"));
        var block = Regex.Match(docs, "<!-- newcomer-steps -->\\s*```sh\\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        var parts = block.Split("# anywhere else:\n");
        Assert.True(parts.Length == 2, "docs/tooling.md's newcomer block has a clone part and an elsewhere part:\n" + block);

        var home = Path.Combine(_root, "home");
        var work = Path.Combine(_root, "work");
        Directory.CreateDirectory(Path.Combine(home, ".nuget", "NuGet"));
        Directory.CreateDirectory(work);
        var machinePackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(home, ".nuget", "NuGet", "NuGet.Config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="machine" value="{machinePackages}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        var environment = new Dictionary<string, string?> { ["HOME"] = home, ["DOTNET_CLI_HOME"] = home, ["NUGET_PACKAGES"] = null };

        var feed = Processes.Run("sh", repo, TimeSpan.FromMinutes(10), environment, "-eu", "-c", parts[0]);
        Assert.True(feed.ExitCode == 0, feed.ToString());
        Assert.Contains("registered as the NuGet source spectune-local", feed.Output);

        var steps = Processes.Run("sh", work, TimeSpan.FromMinutes(10), environment, "-eux", "-c", parts[1]);
        Assert.True(steps.ExitCode == 0, steps.ToString());
        Assert.Contains("SpecTune: training ", steps.Output);
        // dotnet run used the weights SpecTuneTrain wrote instead of training again.
        var run = steps.Output[steps.Output.LastIndexOf("+ dotnet run", StringComparison.Ordinal)..];
        Assert.Contains("Using the weights SpecTuneTrain trained", run);
        Assert.DoesNotContain(" epoch ", run);
        Assert.Matches(@"accuracy [01]\.\d{3}; weights: ", run);
        Assert.Matches(@"P\(label = 1\) for the first row: [01]\.\d{3}", run);
        // libtorch came from the machine's folder: nothing of it was extracted into this home's packages folder.
        Assert.False(Directory.Exists(Path.Combine(home, ".nuget", "packages", "libtorch-cpu-linux-x64")));
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SpecTune.sln"))) return dir.FullName;
        throw new InvalidOperationException("SpecTune.sln not found above " + AppContext.BaseDirectory);
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
