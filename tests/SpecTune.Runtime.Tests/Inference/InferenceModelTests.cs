using SpecTune.Spec;
using SpecTune.Tests.Data;

namespace SpecTune.Tests.Inference;

/// <summary>
/// A fine-tuned model loads for inference from its spec and weights file alone: the training data and the base
/// weights are gone, the folder holds only the weights file, and predictions equal the trained model's.
/// </summary>
[Collection(GlobalTorchRngCollection.Name)]
public class InferenceModelTests
{
    private const string ImageSpec = """
        spectune: 1
        name: Colours
        base: { architecture: cnn, input: [3, 8, 8], hidden: [4, 8, 8] }
        head: { layers: [ {linear: 2} ] }
        task: multiclass-classification
        data:
          format: image-folder
          train: data/train
          batch-size: 4
          transforms: { resize: [8, 8], channels: 3, normalize: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } }
        loss: cross-entropy
        metrics: [accuracy]
        optimizer: { adam: { lr: 1.0e-2 } }
        phases:
          - { name: all, epochs: 4, train: [head, base] }
        seed: 5
        output: artifacts/colours.safetensors
        """;

    private const string CsvSpec = """
        spectune: 1
        name: Sums
        base: { architecture: mlp, input: [3], hidden: [8] }
        head: { layers: [ {linear: 2} ] }
        task: multiclass-classification
        data: { format: csv, train: data/train.csv, label-column: label, batch-size: 4, transforms: { scale: 0.5 } }
        loss: cross-entropy
        metrics: [accuracy]
        optimizer: { adam: { lr: 1.0e-2 } }
        phases:
          - { name: all, epochs: 5, train: [head, base] }
        seed: 5
        output: artifacts/sums.safetensors
        """;

    [Fact]
    public void An_image_model_loads_from_only_its_weights_file_and_predicts_an_image_file()
    {
        using var training = new TempFolder();
        for (int i = 0; i < 6; i++)
        {
            Fixtures.WriteSolid(training.PathOf($"data/train/blue/{i}.png"), 10, 10, (byte)(i * 5), (byte)(i * 5), 250);
            Fixtures.WriteSolid(training.PathOf($"data/train/red/{i}.png"), 10, 10, 250, (byte)(i * 5), (byte)(i * 5));
        }
        using var probe = new TempFolder();
        var redImage = probe.PathOf("probe.png");
        Fixtures.WriteSolid(redImage, 12, 9, 240, 20, 10);

        var spec = Read(ImageSpec, training.PathOf("colours.spectune.yaml"));
        float[] expected;
        using (var job = FineTuneJob.FromSpec(spec, training.Root))
        {
            job.Train();
            using var trained = new LoadedModel(job);
            expected = trained.PredictImageFile(redImage);
        }

        using var empty = new TempFolder();
        var weights = empty.PathOf("colours.safetensors");
        File.Copy(training.PathOf("artifacts/colours.safetensors"), weights);
        training.Dispose();
        Assert.Single(Directory.GetFileSystemEntries(empty.Root));

        using var model = FineTuneModel.Load(spec, weights, empty.Root);

        Assert.Equal(["blue", "red"], model.ClassNames);
        Assert.Equal(TaskKind.MulticlassClassification, model.Task);
        var probabilities = model.PredictImageFile(redImage);
        Assert.Equal(expected, probabilities);
        Assert.True(probabilities[1] > probabilities[0], $"a red image is red: {string.Join(", ", probabilities)}");
        Assert.Single(Directory.GetFileSystemEntries(empty.Root));
    }

    [Fact]
    public void A_csv_model_loads_from_only_its_weights_file_and_predicts_a_csv_row()
    {
        using var training = new TempFolder();
        var rows = new List<string> { "a,b,c,label" };
        for (int i = 0; i < 16; i++)
        {
            float a = i % 4, b = i / 4, c = (i * 7) % 5;
            rows.Add($"{a},{b},{c},{(a + b + c > 4 ? 1 : 0)}");
        }
        Fixtures.WriteCsv(training.PathOf("data/train.csv"), rows.ToArray());

        var spec = Read(CsvSpec, training.PathOf("sums.spectune.yaml"));
        float[] expected;
        using (var job = FineTuneJob.FromSpec(spec, training.Root))
        {
            job.Train();
            using var trained = new LoadedModel(job);
            expected = trained.PredictCsvRow("3, 3, 4");
        }

        using var empty = new TempFolder();
        var weights = empty.PathOf("sums.safetensors");
        File.Copy(training.PathOf("artifacts/sums.safetensors"), weights);
        training.Dispose();

        using var model = FineTuneModel.Load(spec, weights, empty.Root);

        Assert.Equal(["0", "1"], model.ClassNames);
        Assert.Equal(expected, model.PredictCsvRow("3, 3, 4"));
        var error = Assert.Throws<SpecTune.Data.DataException>(() => model.PredictCsvRow("1, x, 2"));
        Assert.Contains("field 2 'x' is not a number", error.Message);
        Assert.Throws<SpecTune.Data.DataException>(() => model.PredictCsvRow("1, 2"));
    }

    private static FineTuneSpec Read(string yaml, string path)
    {
        var result = SpecYamlReader.Read(yaml, path);
        Assert.DoesNotContain(result.Diagnostics, d => d.IsError);
        return result.Spec!;
    }
}
