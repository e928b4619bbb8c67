using SpecTune.Spec;

namespace SpecTune.Data;

/// <summary>Builds the training and validation sources a spec's <c>data:</c> section describes.</summary>
internal static class DataSourceFactory
{
    /// <summary>
    /// Opens the spec's data: <paramref name="spec"/>'s paths resolve against the spec file's folder
    /// (the current directory for attribute specs), and the spec's task and seed drive labels and the split.
    /// </summary>
    public static (IDataSource Train, IDataSource? Valid) Create(FineTuneSpec spec)
    {
        var baseDirectory = spec.SourcePath is null
            ? Directory.GetCurrentDirectory()
            : Path.GetDirectoryName(Path.GetFullPath(spec.SourcePath)) ?? Directory.GetCurrentDirectory();
        return Create(spec.Data, baseDirectory, spec.Task, spec.Seed);
    }

    /// <summary>
    /// Opens the training source and, when the spec has one, the validation source; applies the
    /// <c>classes:</c> filter to both; and when there is no <c>valid:</c> but a <c>split:</c>, holds out
    /// that fraction of the training data (stratified, seeded by <paramref name="seed"/>).
    /// </summary>
    /// <remarks>
    /// <c>transforms.scale</c> is applied by the sources while decoding (default 1/255 for idx and
    /// image-folder bytes, 1 for csv). For image folders, <c>transforms.resize</c> and
    /// <c>transforms.channels</c> are applied while decoding too, so that images of any size and
    /// colour type can be batched (see <see cref="ImageFolderDataSource"/>).
    /// </remarks>
    /// <param name="spec">The spec's <c>data:</c> section.</param>
    /// <param name="baseDirectory">The folder relative paths resolve against.</param>
    /// <param name="task">Decides whether CSV targets are class indices or values, and checks binary labels.</param>
    /// <param name="seed">Seeds the train/validation split.</param>
    public static (IDataSource Train, IDataSource? Valid) Create(DataSpec spec, string baseDirectory, TaskKind task, int seed)
    {
        var train = Open(spec, spec.Train, baseDirectory, task);
        var valid = spec.Valid is null ? null : Open(spec, spec.Valid, baseDirectory, task);
        // Folder names define the labels, so different folders would silently give one label two meanings.
        if (train is ImageFolderDataSource trainFolder && valid is ImageFolderDataSource validFolder
            && !validFolder.ClassNames.SequenceEqual(trainFolder.ClassNames))
            throw new DataException(validFolder.Origin, $"has class folders [{string.Join(", ", validFolder.ClassNames)}]; expected the training folder's [{string.Join(", ", trainFolder.ClassNames)}] ({trainFolder.Origin})");

        if (!spec.Classes.IsEmpty)
        {
            train = new ClassFilterSource(train, spec.Classes);
            valid = valid is null ? null : new ClassFilterSource(valid, spec.Classes);
        }

        CheckLabels(train, task);
        if (valid is not null)
        {
            CheckLabels(valid, task);
            if (valid.ClassCount > train.ClassCount && task != TaskKind.Regression)
                throw new DataException(valid.Origin, $"validation data has labels up to {valid.ClassCount - 1}, but the training data ({train.Origin}) only up to {train.ClassCount - 1}; expected the same classes");
            if (!valid.SampleShape.SequenceEqual(train.SampleShape))
                throw new DataException(valid.Origin, $"validation samples have shape [{string.Join(", ", valid.SampleShape)}]; expected [{string.Join(", ", train.SampleShape)}] like the training data ({train.Origin})");
        }
        else if (spec.Split is double fraction)
        {
            (train, valid) = DataSplit.Split(train, fraction, seed);
        }
        return (train, valid);
    }

    private static IDataSource Open(DataSpec spec, DataSourceSpec location, string baseDirectory, TaskKind task)
    {
        var path = Path.GetFullPath(location.Path, baseDirectory);
        var transforms = spec.Transforms;
        switch (spec.Format)
        {
            case DataFormat.Idx:
                if (location.Labels is null)
                    throw new DataException(path, "idx data needs a labels file; expected {images: <idx3 file>, labels: <idx1 file>}");
                return new IdxDataSource(path, Path.GetFullPath(location.Labels, baseDirectory), transforms.Scale ?? 1.0 / 255);
            case DataFormat.Csv:
                return new CsvDataSource(path, spec.LabelColumn, task != TaskKind.Regression, transforms.Scale ?? 1.0);
            case DataFormat.ImageFolder:
                (int, int)? size = transforms.Resize.Count == 2 ? (transforms.Resize[0], transforms.Resize[1]) : null;
                return new ImageFolderDataSource(path, transforms.Channels ?? 3, size, transforms.Scale ?? 1.0 / 255);
            default:
                throw new ArgumentOutOfRangeException(nameof(spec), spec.Format, "unknown data format");
        }
    }

    private static void CheckLabels(IDataSource source, TaskKind task)
    {
        if (task == TaskKind.BinaryClassification && source.ClassCount > 2)
            throw new DataException(source.Origin, $"binary-classification needs labels 0 and 1, but the data has labels up to {source.ClassCount - 1}; expected two classes (classes: [a, b] picks two)");
    }
}
