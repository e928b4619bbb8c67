using SpecTune.Data;
using SpecTune.Spec;

namespace SpecTune.Tests.Data;

public class DataSourceFactoryTests
{
    private static DataSpec Spec(DataFormat format, DataSourceSpec train, DataSourceSpec? valid = null, double? split = null,
        int[]? classes = null, string? labelColumn = null, TransformSpec? transforms = null) =>
        new(format, train, valid, split, BatchSize: 4, Shuffle: true, new EquatableArray<int>(classes ?? []), labelColumn,
            transforms ?? TransformSpec.None, Prefetch: 0);

    [Fact]
    public void Idx_with_classes_and_split_resolves_relative_paths()
    {
        using var folder = new TempFolder();
        Fixtures.WriteMnistLike(folder, Enumerable.Range(0, 40).Select(i => (byte)(i % 10)).ToArray(), 2, 2, gzip: true, prefix: "data/");
        var spec = Spec(DataFormat.Idx, new DataSourceSpec("data/images-idx3-ubyte", "data/labels-idx1-ubyte"), split: 0.25, classes: [7, 9]);

        var (train, valid) = DataSourceFactory.Create(spec, folder.Root, TaskKind.BinaryClassification, seed: 1);

        Assert.NotNull(valid);
        Assert.Equal(2, train.ClassCount);
        Assert.Equal(8, train.Count + valid.Count);
        Assert.Equal(2, valid.Count);
        Assert.Equal([0f, 1f], Enumerable.Range(0, valid.Count).Select(valid.ReadTarget).Order());
    }

    [Fact]
    public void Csv_regression_with_a_validation_file_and_scale()
    {
        using var folder = new TempFolder();
        Fixtures.WriteCsv(folder.PathOf("train.csv"), "a,y", "2,0.5", "4,1.5");
        Fixtures.WriteCsv(folder.PathOf("valid.csv"), "a,y", "6,2.5");
        var spec = Spec(DataFormat.Csv, new DataSourceSpec("train.csv", null), new DataSourceSpec("valid.csv", null),
            labelColumn: "y", transforms: TransformSpec.None with { Scale = 0.5 });

        var (train, valid) = DataSourceFactory.Create(spec, folder.Root, TaskKind.Regression, seed: 1);

        Assert.Equal(0, train.ClassCount);
        Assert.Equal(1.5f, train.ReadTarget(1));
        var features = new float[1];
        valid!.ReadFeatures(0, features);
        Assert.Equal(3f, features[0]);
    }

    [Fact]
    public void Binary_classification_rejects_more_than_two_classes()
    {
        using var folder = new TempFolder();
        Fixtures.WriteMnistLike(folder, [0, 1, 2], 1, 1);
        var spec = Spec(DataFormat.Idx, new DataSourceSpec("images-idx3-ubyte", "labels-idx1-ubyte"));

        var error = Assert.Throws<DataException>(() => DataSourceFactory.Create(spec, folder.Root, TaskKind.BinaryClassification, seed: 1));

        Assert.Contains("binary-classification needs labels 0 and 1", error.Message);
    }

    [Fact]
    public void Idx_without_a_labels_file_is_an_error()
    {
        using var folder = new TempFolder();
        var spec = Spec(DataFormat.Idx, new DataSourceSpec("images", null));

        var error = Assert.Throws<DataException>(() => DataSourceFactory.Create(spec, folder.Root, TaskKind.MulticlassClassification, seed: 1));

        Assert.Equal(Path.Combine(folder.Root, "images"), error.Path);
        Assert.Contains("needs a labels file", error.Message);
    }

    [Fact]
    public void Image_folder_decodes_to_the_spec_size_and_channels_so_the_pipeline_has_no_work_left()
    {
        using var folder = new TempFolder();
        Fixtures.WriteSolid(folder.PathOf("img/a/1.png"), 5, 3, 10, 10, 10);
        Fixtures.WriteSolid(folder.PathOf("img/b/2.png"), 4, 4, 20, 20, 20);
        var transforms = TransformSpec.None with { Resize = new EquatableArray<int>([2, 2]), Channels = 1 };
        var spec = Spec(DataFormat.ImageFolder, new DataSourceSpec("img", null), transforms: transforms);

        var (train, valid) = DataSourceFactory.Create(spec, folder.Root, TaskKind.BinaryClassification, seed: 1);

        Assert.Null(valid);
        Assert.Equal([1, 2, 2], train.SampleShape);
        Assert.Empty(TransformPipeline.FromSpec(transforms, train.SampleShape).Transforms);
    }

    [Fact]
    public void Image_folders_for_training_and_validation_must_have_the_same_classes()
    {
        using var folder = new TempFolder();
        Fixtures.WriteSolid(folder.PathOf("train/cat/1.png"), 2, 2, 0, 0, 0);
        Fixtures.WriteSolid(folder.PathOf("train/dog/1.png"), 2, 2, 0, 0, 0);
        Fixtures.WriteSolid(folder.PathOf("valid/cat/1.png"), 2, 2, 0, 0, 0);
        Fixtures.WriteSolid(folder.PathOf("valid/dgo/1.png"), 2, 2, 0, 0, 0);
        var spec = Spec(DataFormat.ImageFolder, new DataSourceSpec("train", null), new DataSourceSpec("valid", null));

        var error = Assert.Throws<DataException>(() => DataSourceFactory.Create(spec, folder.Root, TaskKind.MulticlassClassification, seed: 1));

        Assert.Equal(Path.Combine(folder.Root, "valid"), error.Path);
        Assert.Contains("[cat, dgo]; expected the training folder's [cat, dog]", error.Message);
    }
}
