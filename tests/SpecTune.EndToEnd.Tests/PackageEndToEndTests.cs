using System.IO.Compression;
using System.Xml.Linq;

namespace SpecTune.Tests;

/// <summary>
/// END-TO-END: the packages as a user gets them. A fresh console project references SpecTune and a libtorch
/// backend, builds, trains its spec with `dotnet build -t:SpecTuneTrain`, and skips training when nothing changed.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(RepositoryBuildsCollection.Name)]
public sealed class PackageEndToEndTests(PackageFeed feed) : IClassFixture<PackageFeed>
{
    /// <summary>
    /// The user's code. It compiles against the runtime API from lib/net10.0 and against the class the package's
    /// generator emits for tiny.spectune.yaml (<c>Tiny</c>), so a build that succeeds proves the generator ran.
    /// </summary>
    private const string ProgramSource = """
        using SpecTune;
        using var job = FineTuneJob.FromYamlFile(Path.Combine(AppContext.BaseDirectory, "tiny.spectune.yaml"));
        Console.WriteLine($"{job.Spec.Name}: {job.Groups.All.Count} groups");
        Console.WriteLine($"{Tiny.Spec.Name}: phases {string.Join(", ", Enum.GetNames<Tiny.Phase>())}, head rate {Tiny.Hyperparameters[Tiny.Phase.HeadOnly].LearningRates["head"]}");
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

    private string RepoSchema => Path.Combine(feed.RepoRoot, "schemas", "spectune.schema.json");

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
            "buildTransitive/SpecTune.Native.targets", "buildTransitive/WeakenElfVersionNeeds.cs", "buildTransitive/spectune.schema.json",
            "tasks/netstandard2.0/SpecTune.Build.dll", "tools/spectune/SpecTune.Cli.dll", "tools/spectune/SpecTune.Cli.runtimeconfig.json",
        })
            Assert.Contains(expected, entries);
        Assert.DoesNotContain(entries, e => e.EndsWith(".so", StringComparison.Ordinal));
        using (var schema = new StreamReader(package.GetEntry("buildTransitive/spectune.schema.json")!.Open()))
            Assert.Equal(File.ReadAllText(RepoSchema), schema.ReadToEnd());

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
              <Target Name="ShowSpecTuneSchema" AfterTargets="Build">
                <Message Importance="high" Text="schema: $(SpecTuneSchemaFile)" />
              </Target>
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
        // $(SpecTuneSchemaFile) is the package's copy of the schema.
        var schemaFile = System.Text.RegularExpressions.Regex.Match(build.Output, "schema: (.+)").Groups[1].Value.Trim();
        Assert.True(File.Exists(schemaFile), build.ToString());
        Assert.Equal(File.ReadAllText(RepoSchema), File.ReadAllText(schemaFile));

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

        // Decided by content: a touched data file and a comment-only spec edit are still up to date...
        var labels = Path.Combine(app, "data", "train-labels-idx1-ubyte.gz");
        File.SetLastWriteTimeUtc(labels, DateTime.UtcNow.AddSeconds(1));
        File.WriteAllText(spec, "# a comment the spec hash ignores\n" + SpecYaml);
        // (Under the terminal logger, which shows high-importance messages only, and only from detailed verbosity on.)
        var touched = Processes.Dotnet(app, "build", "-t:SpecTuneTrain", "-nodeReuse:false", "-tl:on", "-v:d");
        Assert.True(touched.ExitCode == 0, touched.ToString());
        Assert.Contains("SpecTune: up to date, training skipped: tiny.spectune.yaml", touched.Output);
        Assert.Equal(trainedAt, File.GetLastWriteTimeUtc(weights));

        // ... and changed data trains again (other images; the labels would be the same bytes).
        using (var other = new TestWorkspace())
        {
            other.WriteIdx("train", count: 64, classes: 2, seed: 5);
            File.Copy(other.PathOf("train-images-idx3-ubyte.gz"), Path.Combine(app, "data", "train-images-idx3-ubyte.gz"), overwrite: true);
        }
        var retrain = Processes.Dotnet(app, "build", "-t:SpecTuneTrain", "-nodeReuse:false", "-tl:on", "-v:d");
        Assert.True(retrain.ExitCode == 0, retrain.ToString());
        Assert.Contains($"SpecTune: training {spec}", retrain.Output);
        Assert.Contains("unfreeze epoch 1/1  train-loss", retrain.Output);
        Assert.Contains("trained Tiny in ", retrain.Output);

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
    public void Without_a_libtorch_backend_training_is_SPT0397_at_the_spec_not_a_native_crash()
    {
        // TorchSharp (a dependency of SpecTune) brings the native bridge, but no libtorch comes without a backend package.
        var app = Path.Combine(feed.Root, "NoBackend");
        Directory.CreateDirectory(Path.Combine(app, "data"));
        File.WriteAllText(Path.Combine(app, "NoBackend.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="SpecTune" Version="[{feed.Version}]" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), "Console.WriteLine(Tiny.Spec.Name);\n");
        var spec = Path.Combine(app, "tiny.spectune.yaml");
        File.WriteAllText(spec, SpecYaml);

        var train = Processes.Dotnet(app, "build", "-t:SpecTuneTrain", "-nodeReuse:false");
        Assert.NotEqual(0, train.ExitCode);
        Assert.Contains($"{spec} : error SPT0397: SpecTune: the build output", train.Output);
        Assert.DoesNotContain("SPT0399", train.Output);
        Assert.DoesNotContain("SpecTune: training", train.Output);
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
        // The spec's $schema reference resolves in the new project, to the repo's schema.
        var firstLine = File.ReadLines(Path.Combine(app, "model.spectune.yaml")).First();
        const string schemaPrefix = "# yaml-language-server: $schema=";
        Assert.StartsWith(schemaPrefix, firstLine);
        var schema = Path.Combine(app, firstLine[schemaPrefix.Length..].Trim());
        Assert.True(File.Exists(schema), $"{firstLine} does not resolve from {app}");
        Assert.Equal(File.ReadAllText(RepoSchema), File.ReadAllText(schema));
        // Program.cs uses the class the generator makes from the spec (name: TunedModel), not FineTuneJob.
        var program = File.ReadAllText(Path.Combine(app, "Program.cs"));
        Assert.Contains("TunedModel.Create(", program);
        Assert.DoesNotContain("FineTuneJob", program);

        var train = Processes.Dotnet(app, "build", "-t:SpecTuneTrain", "-nodeReuse:false");
        Assert.True(train.ExitCode == 0, train.ToString());
        Assert.True(File.Exists(Path.Combine(app, "artifacts", "tuned-model.safetensors")), train.ToString());

        // dotnet run uses the weights SpecTuneTrain wrote (copied into the output right after training) ...
        var run = Processes.Dotnet(app, "run", "--no-build");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Using the weights SpecTuneTrain trained", run.Output);
        Assert.DoesNotContain(" epoch ", run.Output);
        Assert.Matches(@"accuracy [01]\.\d{3}; weights: ", run.Output);
        Assert.Matches(@"P\(label = 1\) for the first row: [01]\.\d{3} \(its label: [01]\)", run.Output);

        // ... and trains when asked to.
        run = Processes.Dotnet(app, "run", "--no-build", "--", "--train");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("head-only epoch 1/5", run.Output);
        Assert.Matches(@"accuracy [01]\.\d{3}; weights: ", run.Output);
        // The typed calls ran: Train (the phase lines), Evaluate (the accuracy), Predict (a probability).
        Assert.Matches(@"P\(label = 1\) for the first row: [01]\.\d{3} \(its label: [01]\)", run.Output);
    }
}
