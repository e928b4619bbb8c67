using System.IO.Compression;
using System.Xml.Linq;

namespace SpecTune.Tests;

/// <summary>
/// END-TO-END: the packages as a user gets them. A fresh console project references SpecTune and a libtorch
/// backend, builds, trains its spec with `dotnet build -t:SpecTuneTrain`, and skips training when nothing changed.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class PackageEndToEndTests(PackageFeed feed) : IClassFixture<PackageFeed>
{
    /// <summary>
    /// The user's code. It compiles against the runtime API from lib/net10.0; code that uses the type the
    /// generator emits for the spec (class <c>Tiny</c>) belongs here too, once the generator ships in the package.
    /// </summary>
    private const string ProgramSource = """
        using SpecTune;
        using var job = FineTuneJob.FromYamlFile(Path.Combine(AppContext.BaseDirectory, "tiny.spectune.yaml"));
        Console.WriteLine($"{job.Spec.Name}: {job.Groups.All.Count} groups");
        """;

    private const string SpecYaml = """
        spectune: 1
        name: Tiny
        base: { architecture: mlp, input: [1, 12, 12], hidden: [8] }
        groups:
          body: ["layers.*"]
        head: { layers: [ {linear: 1}, sigmoid ] }
        task: binary-classification
        data:
          format: idx
          train: { images: data/train-images-idx3-ubyte.gz, labels: data/train-labels-idx1-ubyte.gz }
          split: 0.25
          batch-size: 16
        loss: binary-cross-entropy
        metrics: [accuracy]
        optimizer: { adam: { lr: 1.0e-2 } }
        phases:
          - { name: head-only, epochs: 2, train: [head] }
          - { name: unfreeze, epochs: 1, train: [head, body], lr: 1.0e-3 }
        seed: 3
        output: artifacts/tiny.safetensors

        """;

    [Fact]
    public void The_package_has_the_documented_layout_and_no_libtorch_dependency()
    {
        using var package = ZipFile.OpenRead(feed.PackagePath("SpecTune"));
        var entries = package.Entries.Select(e => e.FullName).ToHashSet();
        foreach (var expected in new[]
        {
            "lib/net10.0/SpecTune.Runtime.dll", "lib/net10.0/SpecTune.Spec.dll",
            "analyzers/dotnet/cs/SpecTune.Generators.dll", "analyzers/dotnet/cs/SpecTune.Spec.dll", "analyzers/dotnet/cs/YamlDotNet.dll",
            "build/SpecTune.props", "build/SpecTune.targets",
            "buildTransitive/SpecTune.props", "buildTransitive/SpecTune.targets", "buildTransitive/SpecTune.Version.props",
            "buildTransitive/SpecTune.Native.targets", "buildTransitive/WeakenElfVersionNeeds.cs",
            "tasks/netstandard2.0/SpecTune.Build.dll", "tools/spectune/SpecTune.Cli.dll", "tools/spectune/SpecTune.Cli.runtimeconfig.json",
        })
            Assert.Contains(expected, entries);
        Assert.DoesNotContain(entries, e => e.EndsWith(".so", StringComparison.Ordinal));

        using var nuspec = package.Entries.Single(e => e.FullName == "SpecTune.nuspec").Open();
        var dependencies = XDocument.Load(nuspec).Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => e.Attribute("id")!.Value).ToList();
        Assert.Contains("TorchSharp", dependencies);
        Assert.DoesNotContain(dependencies, d => d.StartsWith("libtorch", StringComparison.OrdinalIgnoreCase) || d.StartsWith("TorchSharp-", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void A_fresh_project_builds_trains_through_msbuild_and_skips_training_when_up_to_date()
    {
        var app = Path.Combine(feed.Root, "App");
        Directory.CreateDirectory(Path.Combine(app, "data"));
        File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <CreateHardLinksForCopyLocalIfPossible>true</CreateHardLinksForCopyLocalIfPossible>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="SpecTune" Version="[{feed.Version}]" />
                <PackageReference Include="libtorch-cpu-linux-x64" Version="2.10.0" />
              </ItemGroup>
              <ItemGroup>
                <None Include="tiny.spectune.yaml;data/**" CopyToOutputDirectory="PreserveNewest" />
              </ItemGroup>
              <Target Name="ShowSpecTuneOutputs" AfterTargets="SpecTuneTrain">
                <Message Importance="high" Text="outputs: @(SpecTuneOutput->'%(Kind)=%(Filename)%(Extension)')" />
              </Target>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), ProgramSource);
        var spec = Path.Combine(app, "tiny.spectune.yaml");
        File.WriteAllText(spec, SpecYaml);
        using (var data = new TestWorkspace())
        {
            data.WriteIdx("train", count: 64, classes: 2, seed: 1);
            foreach (var file in Directory.GetFiles(data.Root)) File.Copy(file, Path.Combine(app, "data", Path.GetFileName(file)));
        }

        var build = Processes.Dotnet(app, "build", "-nodeReuse:false");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.DoesNotContain("SpecTune: training", build.Output);

        var weights = Path.Combine(app, "artifacts", "tiny.safetensors");
        var train = Processes.Dotnet(app, "build", "-t:SpecTuneTrain", "-nodeReuse:false", "-v:n");
        Assert.True(train.ExitCode == 0, train.ToString());
        Assert.Contains($"SpecTune: training {spec}", train.Output);
        Assert.Contains("unfreeze epoch 1/1  train-loss", train.Output);
        Assert.True(File.Exists(weights), train.ToString());
        Assert.True(File.Exists(Path.Combine(app, "artifacts", "Tiny", "checkpoints", "checkpoint-latest.safetensors")));
        var trainedAt = File.GetLastWriteTimeUtc(weights);

        var again = Processes.Dotnet(app, "build", "-t:SpecTuneTrain", "-nodeReuse:false");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("SpecTune: up to date, training skipped: tiny.spectune.yaml", again.Output);
        // The outputs are items a project can copy or embed, whether trained now or before.
        Assert.Matches($@"outputs: weights=tiny\.safetensors;report=tiny\.spectune\.[0-9a-f]{{8}}\.{feed.Version}\.report\.json", again.Output);
        Assert.DoesNotContain("SpecTune: training", again.Output);
        Assert.Equal(trainedAt, File.GetLastWriteTimeUtc(weights));

        // A data file is an input too: a newer one trains again.
        File.SetLastWriteTimeUtc(Path.Combine(app, "data", "train-labels-idx1-ubyte.gz"), DateTime.UtcNow.AddSeconds(1));
        var retrain = Processes.Dotnet(app, "build", "-t:SpecTuneTrain", "-nodeReuse:false");
        Assert.True(retrain.ExitCode == 0, retrain.ToString());
        Assert.Contains($"SpecTune: training {spec}", retrain.Output);

        // A spec error fails the build at its line, and what was trained before stays.
        File.WriteAllText(spec, SpecYaml.Replace("loss: binary-cross-entropy", "loss: mse", StringComparison.Ordinal));
        var broken = Processes.Dotnet(app, "build", "-t:SpecTuneTrain", "-nodeReuse:false");
        Assert.NotEqual(0, broken.ExitCode);
        Assert.Contains($"{spec}(13,7): error SPT0110", broken.Output);
        Assert.True(File.Exists(weights));

        // Design-time builds (IDEs) never train, even with SpecTuneTrainOnBuild; a real build then does.
        File.WriteAllText(spec, SpecYaml.Replace("seed: 3", "seed: 4", StringComparison.Ordinal));
        var designTime = Processes.Dotnet(app, "build", "-p:SpecTuneTrainOnBuild=true", "-p:DesignTimeBuild=true", "-nodeReuse:false");
        Assert.True(designTime.ExitCode == 0, designTime.ToString());
        Assert.DoesNotContain("SpecTune: training", designTime.Output);
        var onBuild = Processes.Dotnet(app, "build", "-p:SpecTuneTrainOnBuild=true", "-nodeReuse:false");
        Assert.True(onBuild.ExitCode == 0, onBuild.ToString());
        Assert.Contains($"SpecTune: training {spec}", onBuild.Output);
    }

    [Fact]
    public void The_template_installs_builds_trains_and_runs()
    {
        var hive = Path.Combine(feed.Root, "template-hive");
        var install = Processes.Dotnet(feed.Root, "new", "install", feed.PackagePath("SpecTune.Templates"), "--debug:custom-hive", hive);
        Assert.True(install.ExitCode == 0, install.ToString());
        var create = Processes.Dotnet(feed.Root, "new", "spectune", "-o", "FromTemplate", "--SpecTuneVersion", feed.Version, "--debug:custom-hive", hive);
        Assert.True(create.ExitCode == 0, create.ToString());
        var app = Path.Combine(feed.Root, "FromTemplate");
        Assert.True(File.Exists(Path.Combine(app, "FromTemplate.csproj")), create.ToString());
        Assert.StartsWith("# yaml-language-server: $schema=", File.ReadAllText(Path.Combine(app, "model.spectune.yaml")));

        var train = Processes.Dotnet(app, "build", "-t:SpecTuneTrain", "-nodeReuse:false");
        Assert.True(train.ExitCode == 0, train.ToString());
        Assert.True(File.Exists(Path.Combine(app, "artifacts", "tuned-model.safetensors")), train.ToString());

        var run = Processes.Dotnet(app, "run", "--no-build");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("head-only epoch 1/5", run.Output);
        Assert.Matches(@"accuracy 0\.\d{3}; weights: ", run.Output);
    }
}
