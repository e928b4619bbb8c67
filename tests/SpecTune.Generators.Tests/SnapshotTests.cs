namespace SpecTune.Generators.Tests;

/// <summary>
/// The generated code of every example spec (and of the specs under Specs/, which cover every task and most of the grammar), held to `Snapshots/*.verified.cs` beside this file (Verify's
/// convention without Verify): a mismatch writes `*.received.cs` next to it and fails; run with
/// SPECTUNE_ACCEPT=1 to accept the received text.
/// </summary>
public class SnapshotTests
{
    public static TheoryData<string> ExampleSpecs()
    {
        var data = new TheoryData<string>();
        var examples = Directory.GetFiles(Path.Combine(Harness.RepoRoot(), "examples"), "*.spectune.yaml", SearchOption.AllDirectories);
        var testSpecs = Directory.GetFiles(Path.Combine(Harness.TestDirectory(), "Specs"), "*.spectune.yaml");
        foreach (var file in examples.Concat(testSpecs).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(Harness.RepoRoot(), file).Replace('\\', '/'));
        return data;
    }

    [Theory]
    [MemberData(nameof(ExampleSpecs))]
    public void Example_spec_generates_its_verified_code(string relativePath)
    {
        var path = Path.Combine(Harness.RepoRoot(), relativePath);
        var (result, output, _) = Harness.Run(Harness.Compilation(), new InMemoryAdditionalText(path, File.ReadAllText(path)));

        Assert.Empty(result.Diagnostics);
        var source = Assert.Single(Harness.ModelSources(result));
        // The generated class must compile cleanly against the runtime: no errors and no warnings at the highest level.
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning));
        Snapshot.Verify(Path.GetFileName(relativePath).Replace(".spectune.yaml", ""), source.Value);
    }
}

public static class Snapshot
{
    public static void Verify(string name, string actual)
    {
        var folder = Path.Combine(Harness.TestDirectory(), "Snapshots");
        var verified = Path.Combine(folder, name + ".verified.cs");
        var received = Path.Combine(folder, name + ".received.cs");
        var expected = File.Exists(verified) ? File.ReadAllText(verified).ReplaceLineEndings("\n") : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }
        if (Environment.GetEnvironmentVariable("SPECTUNE_ACCEPT") == "1")
        {
            File.WriteAllText(verified, actual);
            File.Delete(received);
            return;
        }
        File.WriteAllText(received, actual);
        Assert.Fail($"{name}: the generated code differs from {verified}; see {received} (SPECTUNE_ACCEPT=1 accepts it).");
    }
}
