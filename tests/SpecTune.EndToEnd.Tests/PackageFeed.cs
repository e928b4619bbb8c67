namespace SpecTune.Tests;

/// <summary>
/// Packs SpecTune and SpecTune.Templates once per test run, under a version no other run uses (a version is
/// extracted once per packages folder and never again), into a feed in a temporary folder. The folder holds a
/// nuget.config: the feed plus the normal source, a packages folder of its own, and the machine's packages
/// folder as a fallback, so TorchSharp and libtorch are used from where they already are, not downloaded again.
/// </summary>
public sealed class PackageFeed : IDisposable
{
    public PackageFeed()
    {
        RepoRoot = FindRepoRoot();
        // Pack what the solution build made: the configuration this test assembly was built in.
        Configuration = AppContext.BaseDirectory.Replace('\\', '/').Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        Version = "0.1.0-e2e-" + Guid.NewGuid().ToString("N")[..12];
        Root = Path.Combine(Path.GetTempPath(), "spectune-e2e", Guid.NewGuid().ToString("N"));
        Feed = Path.Combine(Root, "feed");
        Directory.CreateDirectory(Feed);

        foreach (var project in new[] { "src/SpecTune.Package/SpecTune.Package.csproj", "templates/SpecTune.Templates/SpecTune.Templates.csproj" })
        {
            var pack = Processes.Dotnet(RepoRoot, "pack", project, "-c", Configuration, "-o", Feed, $"-p:PackageVersion={Version}", "-nodeReuse:false");
            if (pack.ExitCode != 0) throw new InvalidOperationException($"dotnet pack {project} failed:\n{pack}");
        }

        var machinePackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(Root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config><add key="globalPackagesFolder" value="{Path.Combine(Root, "packages")}" /></config>
              <packageSources>
                <clear />
                <add key="spectune-local" value="{Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="machine" value="{machinePackages}" />
              </fallbackPackageFolders>
            </configuration>
            """);
    }

    public string RepoRoot { get; }

    public string Configuration { get; }

    /// <summary>The packages' version, unique to this run.</summary>
    public string Version { get; }

    /// <summary>The temporary folder: nuget.config, feed/, packages/ and the test projects.</summary>
    public string Root { get; }

    public string Feed { get; }

    public string PackagePath(string id) => Path.Combine(Feed, $"{id}.{Version}.nupkg");

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SpecTune.sln"))) return dir.FullName;
        throw new InvalidOperationException("SpecTune.sln not found above " + AppContext.BaseDirectory);
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
