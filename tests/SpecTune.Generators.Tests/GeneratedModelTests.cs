using SpecTune.Generators.Tests.Generated;
using SpecTune.Spec;
using SpecTune.Weights;

namespace SpecTune.Generators.Tests;

/// <summary>
/// Specs/TinyShirts.spectune.yaml is compiled into this assembly by the generator (as a user's project would);
/// training through the generated class must end with exactly the weights FineTuneJob reaches running the YAML.
/// </summary>
[Collection(TorchCollection.Name)]
public class GeneratedModelTests
{
    private static readonly string SpecFile = Path.Combine(Harness.TestDirectory(), "Specs", "TinyShirts.spectune.yaml");

    [Fact]
    public void Generated_spec_equals_the_yaml_readers_spec_apart_from_source_path_and_locations()
    {
        var read = SpecYamlReader.Read(File.ReadAllText(SpecFile), SpecFile);

        Assert.NotNull(read.Spec);
        Assert.Equal(read.Spec! with { SourcePath = null, Locations = SourceMap.Empty }, TinyShirts.Spec);
        Assert.Equal(SpecHash.Compute(read.Spec!), SpecHash.Compute(TinyShirts.Spec));
    }

    [Fact]
    public void Attribute_twin_compiled_in_this_build_is_the_same_spec()
    {
        Assert.Equal(TinyShirts.Spec with { Name = "TinyShirtsTwin" }, TinyShirtsTwin.Spec);
        Assert.Equal(Enum.GetNames<TinyShirts.Phase>(), Enum.GetNames<TinyShirtsTwin.Phase>());
    }

    [Fact]
    public void Generated_model_trains_to_the_same_weights_as_the_yaml_run()
    {
        using var yamlFolder = new DataFolder(SpecFile);
        using var modelFolder = new DataFolder(null);

        Dictionary<string, float[]> viaYaml, viaModel;
        using (var job = FineTuneJob.FromYamlFile(yamlFolder.SpecPath!))
        {
            job.Train();
            viaYaml = Weights(job.Network);
        }
        using (var model = TinyShirts.Create(modelFolder.Path))
        {
            Assert.Equal(new[] { "stem", "base", "head" }, model.Groups.All.Select(g => g.Name));
            Assert.Same(model.Groups["stem"], model.Stem);
            Assert.Same(model.Groups["base"], model.Base);
            model.Train();
            viaModel = Weights(model.Network);
        }

        Assert.Equal(viaYaml.Keys.Order(), viaModel.Keys.Order());
        foreach (var (name, values) in viaYaml)
            Assert.True(values.SequenceEqual(viaModel[name]), $"{name} differs between the YAML run and the generated model");
    }

    [Fact]
    public void Enter_sets_the_phase_flags_and_predict_is_typed_by_the_task()
    {
        using var folder = new DataFolder(null);
        using var model = TinyShirts.Create(folder.Path);

        model.Enter(TinyShirts.Phase.HeadOnly);
        Assert.True(model.Head.IsTrainable);
        Assert.DoesNotContain(model.Stem.Parameters, p => p.Value.requires_grad);
        Assert.DoesNotContain(model.Base.Parameters, p => p.Value.requires_grad);
        model.Enter(TinyShirts.Phase.Unfreeze);
        Assert.True(model.Stem.IsTrainable && model.Base.IsTrainable && model.Head.IsTrainable);

        Assert.Equal(1, TinyShirts.Hyperparameters[TinyShirts.Phase.Unfreeze].Epochs);
        Assert.Equal(1.0e-4, TinyShirts.Hyperparameters[TinyShirts.Phase.Unfreeze].LearningRates["stem"]);
        Assert.Equal(1.0e-2, TinyShirts.Hyperparameters[TinyShirts.Phase.HeadOnly].LearningRates["head"]);

        using var batch = TorchSharp.torch.rand(3, 1, 28, 28);
        float[] probabilities = model.PredictBatch(batch);
        Assert.Equal(3, probabilities.Length);
        Assert.All(probabilities, p => Assert.InRange(p, 0f, 1f));
        using var first = batch[0];
        float one = model.Predict(first);
        Assert.Equal(probabilities[0], one, 5);
    }

    private static Dictionary<string, float[]> Weights(TorchSharp.torch.nn.Module network)
    {
        var state = WeightLoader.StateOf(network);
        try
        {
            return state.Where(kv => kv.Value.dtype == TorchSharp.torch.ScalarType.Float32)
                .ToDictionary(kv => kv.Key, kv => kv.Value.data<float>().ToArray());
        }
        finally
        {
            foreach (var tensor in state.Values) tensor.Dispose();
        }
    }

    /// <summary>A temporary folder with the Fashion-MNIST shirts training subset (and the spec, when given): training writes checkpoints there, not into the repo.</summary>
    private sealed class DataFolder : IDisposable
    {
        public DataFolder(string? spec)
        {
            Path = Directory.CreateTempSubdirectory("spectune-gen-").FullName;
            var data = System.IO.Path.Combine(Harness.RepoRoot(), "examples", "data", "fashion-mnist");
            foreach (var file in new[] { "shirts-train-images-idx3-ubyte.gz", "shirts-train-labels-idx1-ubyte.gz" })
                File.Copy(System.IO.Path.Combine(data, file), System.IO.Path.Combine(Path, file));
            if (spec is not null)
            {
                SpecPath = System.IO.Path.Combine(Path, System.IO.Path.GetFileName(spec));
                File.Copy(spec, SpecPath);
            }
        }

        public string Path { get; }

        public string? SpecPath { get; }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}

/// <summary>Tests that use torch's global RNG (seeded by each job) run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection
{
    public const string Name = "torch";
}
