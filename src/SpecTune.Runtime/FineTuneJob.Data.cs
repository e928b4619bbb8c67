using SpecTune.Data;
using SpecTune.Models;
using SpecTune.Spec;
using SpecTune.Weights;

namespace SpecTune;

/// <summary>The session's data side: loaders, checks of the data against the spec, class names, the pretrained base weights.</summary>
public sealed partial class FineTuneJob
{
    internal DataLoader CreateTrainLoader() => CreateLoader(TrainSource, training: true);

    internal IDataSource TrainSource => _train ?? throw new InvalidOperationException(
        $"'{Spec.Name}' was loaded for inference, without data; create it from the spec (FromSpec, Create) to train or evaluate on the spec's data.");

    internal IDataSource? ValidSource => _valid;

    internal bool HasAugmentation => _transforms?.HasAugmentation ?? false;

    /// <summary>Every sample of <paramref name="source"/> in source order, preprocessed, never augmented (feature caches read this).</summary>
    internal DataLoader CreateOrderedLoader(IDataSource source) => CreateLoader(source, training: false);

    /// <summary>What a feature cache of <paramref name="source"/> depends on besides the weights: the source and the preprocessing.</summary>
    internal string DataIdentity(IDataSource source)
    {
        var d = Spec.Data;
        var t = d.Transforms;
        return string.Join("\n",
            $"origin={source.Origin} count={source.Count} shape=[{string.Join(",", source.SampleShape)}] classes={source.ClassCount}",
            $"format={d.Format} train={d.Train.Path}|{d.Train.Labels} valid={d.Valid?.Path}|{d.Valid?.Labels} split={d.Split} classes=[{string.Join(",", d.Classes)}] label={d.LabelColumn} task={Spec.Task}",
            $"resize=[{string.Join(",", t.Resize)}] channels={t.Channels} scale={t.Scale} mean=[{string.Join(",", t.Mean)}] std=[{string.Join(",", t.Std)}] flip={t.RandomFlip} crop={t.RandomCrop}",
            "pipeline=" + string.Join(",", (_transforms?.Transforms ?? []).Select(x => x.GetType().Name)));
    }

    private DataLoader CreateLoader(IDataSource source, bool training) =>
        new(source, Spec.Data.BatchSize, shuffle: training && Spec.Data.Shuffle, seed: Spec.Seed, _transforms ?? TransformPipeline.Empty, training,
            Spec.Data.Prefetch, Spec.Task == TaskKind.MulticlassClassification ? TargetKind.ClassIndex : TargetKind.Value);

    private int ClassCount => Spec.Task == TaskKind.Regression ? 0 : Math.Max(2, _train?.ClassCount ?? ClassNames.Count);

    internal const string ClassNamesKey = "spectune.class_names";

    private static IReadOnlyList<string> ClassNamesOf(FineTuneSpec spec, IDataSource train)
    {
        if (spec.Task == TaskKind.Regression) return [];
        var source = train is ClassFilterSource filtered ? filtered.Source : train;
        if (source is ImageFolderDataSource folders)
            return spec.Data.Classes.IsEmpty ? folders.ClassNames : spec.Data.Classes.Select(c => folders.ClassNames[c]).ToArray();
        return DefaultClassNames(spec, Math.Max(2, train.ClassCount));
    }

    private static IReadOnlyList<string> DefaultClassNames(FineTuneSpec spec, int count) =>
        spec.Task == TaskKind.Regression ? []
        : !spec.Data.Classes.IsEmpty ? spec.Data.Classes.Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray()
        : Enumerable.Range(0, spec.Task == TaskKind.BinaryClassification ? 2 : count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private WeightLoadReport LoadBaseWeights(string path)
    {
        // The format is told by the file's first bytes: safetensors, PyTorch state dict (trusted files only), TorchSharp .dat.
        var tensors = WeightFiles.Read(path);
        try
        {
            FiniteWeights.Check(tensors, path);
            // The old head is replaced on purpose: its weights are neither missing nor unexpected.
            var options = new WeightLoadOptions { Strict = Spec.Base.Strict, SkipPrefixes = new[] { Network.HeadSlot + "." } };
            if (!Spec.Base.Rename.IsEmpty)
                options = options.WithPrefixRenames(Spec.Base.Rename.Select(r => new KeyValuePair<string, string>(r.From, r.To)));
            return WeightLoader.Load(Network, tensors, options, path);
        }
        finally
        {
            foreach (var tensor in tensors.Values) tensor.Dispose();
        }
    }

    private static void CheckInputShape(FineTuneSpec spec, IReadOnlyList<int> sampleShape)
    {
        if (spec.Base.Input.Count > 0 && !spec.Base.Input.SequenceEqual(sampleShape))
            throw new SpecException(new[]
            {
                SpecDiagnostics.InputShapeMismatch.Create(spec.SourcePath, spec.Locations.Find("base.input"),
                    string.Join(", ", spec.Base.Input), string.Join(", ", sampleShape)),
            });
    }

    private static void CheckClassCount(FineTuneSpec spec, IDataSource train)
    {
        int outputs = HeadBuilder.OutputCount(spec.Head, 0);
        string? problem = spec.Task switch
        {
            TaskKind.BinaryClassification when train.ClassCount > 2 =>
                $"task is binary-classification but {train.Origin} has {train.ClassCount} classes; use data.classes to pick two.",
            TaskKind.MulticlassClassification when outputs < train.ClassCount =>
                $"The head's last linear layer has {outputs} units but {train.Origin} has {train.ClassCount} classes (labels 0..{train.ClassCount - 1}).",
            _ => null,
        };
        if (problem is not null)
            throw new SpecException(new[] { SpecDiagnostics.HeadDoesNotFitClasses.Create(spec.SourcePath, spec.Locations.Find("head.layers"), problem) });
    }
}
