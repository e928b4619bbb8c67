using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Build.Utilities;

namespace SpecTune.Tests;

/// <summary>
/// The task behind README "Troubleshooting": it marks GLIBCXX_3.4.32 weak in a copy of TorchSharp's native bridge,
/// only when the provider library lacks that version, and never writes through a hard link into the NuGet cache.
/// </summary>
public sealed class NativeBridgePatchTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("spectune-patch-").FullName;

    private static string CachedBridge()
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                       ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"TorchSharp's native bridge is restored with the solution: {path}");
        return path;
    }

    private string Provider(string versions)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_folder, "lib")).FullName;
        File.WriteAllBytes(Path.Combine(folder, "libstdc++.so.6"), Encoding.ASCII.GetBytes("\0" + versions + "\0"));
        return folder;
    }

    private (bool Ok, BuildTaskTests.RecordingEngine Engine) Run(string file, string providerFolder)
    {
        var engine = new BuildTaskTests.RecordingEngine();
        var task = new WeakenElfVersionNeeds
        {
            BuildEngine = engine,
            Files = new[] { new TaskItem(file) },
            Versions = new[] { "GLIBCXX_3.4.32" },
            ProviderLibrary = "libstdc++.so.6",
            SearchFolders = new[] { providerFolder },
        };
        return (task.Execute(), engine);
    }

    [Fact]
    public void Marks_the_missing_version_weak_in_the_output_copy_and_never_writes_through_a_hard_link()
    {
        var cached = CachedBridge();
        var cachedHash = SHA256.HashData(File.ReadAllBytes(cached));
        var output = Path.Combine(_folder, "libLibTorchSharp.so");
        // MSBuild may hard-link copy-local files (CreateHardLinksForCopyLocalIfPossible): simulate that.
        using (var ln = Process.Start("ln", new[] { cached, output })!) ln.WaitForExit();
        Assert.True(File.Exists(output));

        var (ok, engine) = Run(output, Provider("GLIBCXX_3.4.30"));

        Assert.True(ok, string.Join("\n", engine.Errors.Select(e => e.Message)));
        Assert.Contains(engine.Messages, m => m.Message!.Contains("marked version need(s) GLIBCXX_3.4.32 weak"));
        Assert.Equal(cachedHash, SHA256.HashData(File.ReadAllBytes(cached))); // the NuGet cache is untouched
        var before = File.ReadAllBytes(cached);
        var after = File.ReadAllBytes(output);
        Assert.Equal(before.Length, after.Length);
        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
        var offset = Assert.Single(changed); // one vna_flags byte
        Assert.Equal(before[offset] | 0x2, after[offset]); // VER_FLG_WEAK

        var (again, secondRun) = Run(output, Provider("GLIBCXX_3.4.30"));
        Assert.True(again);
        Assert.DoesNotContain(secondRun.Messages, m => m.Message!.Contains("marked")); // idempotent
    }

    [Fact]
    public void Leaves_the_bridge_alone_where_the_system_library_has_the_version()
    {
        var output = Path.Combine(_folder, "libLibTorchSharp.so");
        File.Copy(CachedBridge(), output);
        var before = File.ReadAllBytes(output);

        var (ok, engine) = Run(output, Provider("GLIBCXX_3.4.32"));

        Assert.True(ok);
        Assert.Equal(before, File.ReadAllBytes(output));
        Assert.DoesNotContain(engine.Messages, m => m.Message!.Contains("marked"));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
