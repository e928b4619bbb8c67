using SpecTune.Checkpoints;
using SpecTune.Data;
using SpecTune.Freezing;
using SpecTune.Losses;
using SpecTune.Metrics;
using SpecTune.Models;
using SpecTune.Optimization;
using SpecTune.Planning;
using SpecTune.Onnx;
using SpecTune.Spec;
using SpecTune.Training;
using SpecTune.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune;

/// <summary>
/// A spec made runnable: the base network with the new head, its parameter groups, the data, the loss.
/// <code>
/// using var job = FineTuneJob.FromYamlFile("shirts.spectune.yaml");
/// var report = job.Train();
/// </code>
/// </summary>
public sealed partial class FineTuneJob : IDisposable
{
    private readonly IDataSource? _train;
    private readonly IDataSource? _valid;
    private readonly TransformPipeline? _transforms;

    /// <summary>
    /// Builds the session from <paramref name="plan"/>: the data (unless <paramref name="withData"/> is false: an
    /// inference model), the network for the data's sample shape (or base.input), the pretrained weights (with data
    /// only), the groups and the loss.
    /// </summary>
    private FineTuneJob(FineTunePlan plan, (IDataSource Train, IDataSource? Valid)? sources, bool withData = true)
    {
        Plan = plan;
        var spec = Spec = plan.Spec;
        BaseDirectory = plan.BaseDirectory;
        SpecHash = plan.SpecHash;
        OutputPreflight.CheckDevice(spec, torch.cuda.is_available());
        Device = torch.device(spec.Device);
        ProcessState.ApplyThreads(spec);

        IReadOnlyList<int>? sampleShape = null;
        if (withData)
        {
            (_train, _valid) = sources ?? plan.OpenData();
            _transforms = TransformPipeline.FromSpec(spec.Data.Transforms, _train.SampleShape);
            sampleShape = _transforms.OutputShape(_train.SampleShape, training: false);
            CheckInputShape(spec, sampleShape);
            CheckClassCount(spec, _train);
            ClassNames = ClassNamesOf(spec, _train);
        }

        ProcessState.ApplySeed(spec);
        Network = plan.CreateNetwork(sampleShape);
        if (withData && plan.BaseWeightsPath is { } weights)
            WeightReport = LoadBaseWeights(weights);
        Network.to(Device);
        Groups = ParameterGroups.Resolve(Network, spec);
        Loss = LossFunction.Create(spec.Loss, spec.Task, HeadBuilder.LastLayer(spec.Head));
        if (withData && spec.Regularization is { L2Sp: > 0 } regularization)
            Regularizer = new L2SpRegularizer(regularization.L2Sp, Groups);
    }

    /// <summary>The compiled spec (layer 2): resolved paths, phases, the network factory.</summary>
    internal FineTunePlan Plan { get; }

    /// <summary>Class names, label i is ClassNames[i]: the image folders' names, else the spec's classes, else 0..C-1; empty for regression.</summary>
    public IReadOnlyList<string> ClassNames { get => _classNames; private init => _classNames = value; }

    private IReadOnlyList<string> _classNames = [];

    /// <summary>True when the job was loaded for inference (no data: it cannot train or evaluate on the spec's data).</summary>
    public bool IsInferenceOnly => _train is null;

    /// <summary>The spec being run.</summary>
    public FineTuneSpec Spec { get; }

    /// <summary>Relative paths in the spec resolve against this folder (the spec file's folder).</summary>
    public string BaseDirectory { get; }

    /// <summary>The spec's hash, stored in checkpoints so a resume never mixes specs.</summary>
    public string SpecHash { get; }

    /// <summary>The base network with the new head in its slot.</summary>
    public FineTuneNetwork Network { get; }

    /// <summary>Every parameter, by group.</summary>
    public ParameterGroups Groups { get; }

    /// <summary>The training objective.</summary>
    public LossFunction Loss { get; }

    /// <summary>Where tensors live (cpu, cuda).</summary>
    public Device Device { get; }

    /// <summary>The training data the spec names, as the network reads it before transforms (null for an inference-only job).</summary>
    public IDataSource? TrainingData => _train;

    /// <summary>The validation data (the spec's valid set or split; null when it has none or the job is inference-only).</summary>
    public IDataSource? ValidationData => _valid;

    /// <summary>What loading the pretrained weights found (skipped head, warnings of a non-strict load).</summary>
    internal WeightLoadReport? WeightReport { get; }

    internal L2SpRegularizer? Regularizer { get; }

    internal string CheckpointFolder => Plan.CheckpointFolder;

    internal string? MetricsLogPath => Plan.MetricsLogPath;

    internal string? OutputPath => Plan.OutputPath;

    /// <summary>Reads, checks and prepares the spec at <paramref name="path"/>.</summary>
    /// <exception cref="SpecException">The spec has errors; each diagnostic names the line.</exception>
    public static FineTuneJob FromYamlFile(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"Spec file not found: {full}", full);
        var result = SpecYamlReader.Read(File.ReadAllText(full), full);
        if (result.Spec is null || result.Diagnostics.Any(d => d.IsError))
            throw new SpecException(result.Diagnostics.Where(d => d.IsError).ToList());
        return Open(FineTunePlan.CompileChecked(result.Spec, Path.GetDirectoryName(full)!), null);
    }

    /// <summary>Prepares an already-read spec; relative paths resolve against <paramref name="baseDirectory"/>.</summary>
    public static FineTuneJob FromSpec(FineTuneSpec spec, string? baseDirectory = null) => Open(FineTunePlan.Compile(spec, baseDirectory), null);

    /// <summary>
    /// Prepares an already-read spec with your own training and validation data instead of the spec's `data`
    /// sources (batching, transforms and shuffling still follow the spec); other relative paths resolve against
    /// <paramref name="baseDirectory"/>.
    /// </summary>
    public static FineTuneJob FromSpec(FineTuneSpec spec, IDataSource train, IDataSource? valid, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        return Open(FineTunePlan.Compile(spec, baseDirectory), (train, valid));
    }

    private static FineTuneJob Open(FineTunePlan plan, (IDataSource Train, IDataSource? Valid)? sources) =>
        SpecErrors.Translating(plan, () => new FineTuneJob(plan, sources));

    /// <summary>
    /// The network of <paramref name="spec"/> with the fine-tuned weights of <paramref name="weightsPath"/> (head
    /// included, strictly), for inference: no data and no base weights are opened, so a folder holding only the
    /// weights file is enough (an ONNX base also needs its .onnx graph). Class names come from the weights file.
    /// </summary>
    public static FineTuneJob ForInference(FineTuneSpec spec, string weightsPath, string? baseDirectory = null)
    {
        var job = new FineTuneJob(FineTunePlan.Compile(spec, baseDirectory), null, withData: false);
        try
        {
            var full = Path.GetFullPath(weightsPath, job.BaseDirectory);
            WeightLoader.LoadFile(job.Network, full, WeightLoadOptions.Default);
            using (var file = SafeTensorsFile.Open(full))
                if (file.Metadata.TryGetValue(ClassNamesKey, out var names))
                    return job.WithClassNames(System.Text.Json.JsonSerializer.Deserialize<string[]>(names) ?? []);
            return job.WithClassNames(DefaultClassNames(spec, HeadBuilder.OutputCount(spec.Head, 0)));
        }
        catch
        {
            job.Dispose();
            throw;
        }
    }

    private FineTuneJob WithClassNames(IReadOnlyList<string> names)
    {
        _classNames = names;
        return this;
    }

    /// <summary>
    /// Runs every phase of the spec (or what the latest checkpoint says is left of them) on a <see cref="Learner"/>
    /// with the spec's callbacks: allocator tuning, feature cache, divergence guard, early stopping, checkpoints, the
    /// metrics log, progress. Writes the output weights when the spec names them.
    /// The checkpoint folder's lock is held for the run (SPT0333), after the paths it writes are checked (SPT0330, SPT0331).
    /// What goes wrong is a <see cref="SpecException"/> at its spec field, the runtime's exception inside.
    /// </summary>
    public TrainingReport Train(TrainingOptions? options = null) =>
        SpecErrors.Translating(Plan, () => TrainPhases(options ?? new TrainingOptions()));

    private TrainingReport TrainPhases(TrainingOptions options)
    {
        OutputPreflight.CheckRun(Spec, CheckpointFolder, OutputPath, MetricsLogPath);
        using var outputLock = OutputLock.Acquire(CheckpointFolder);
        var trainLoader = CreateTrainLoader();
        var checkpoints = new CheckpointCallback(CheckpointFolder, SpecHash, options.Resume);
        var callbacks = new List<LearnerCallback>
        {
            new FeatureCacheCallback(Spec, HasAugmentation, new FeatureCacheSet(this, options.FeatureCacheMemoryLimit, options.FeatureCacheDirectory), trainLoader),
            new DivergenceGuard(checkpoints.LatestPath),
            checkpoints,
        };
        if (options.TuneNativeAllocator) callbacks.Add(new NativeAllocatorCallback());
        if (Spec.EarlyStopping is { } stopping) callbacks.Add(new EarlyStoppingCallback(stopping));
        if (MetricsLogPath is { } log) callbacks.Add(new MetricsLogCallback(log));
        if (options.Progress is { } progress) callbacks.Add(new ProgressCallback(progress, options.ProgressInterval));
        callbacks.AddRange(options.Callbacks);

        var fit = CreateLearner(trainLoader, callbacks, options.Cancellation).Fit(Plan.Phases);
        if (fit.Cancelled)
            return new TrainingReport(Spec.Name, SpecHash, fit.Epochs, fit.Phases, Cancelled: true, null, checkpoints.LatestPath, null);
        if (OutputPath is { } output) SaveWeights(output);
        // The last phase's final evaluation is of the weights being returned; evaluate only if no phase ran here.
        return new TrainingReport(Spec.Name, SpecHash, fit.Epochs, fit.Phases, Cancelled: false, OutputPath, checkpoints.LatestPath,
            fit.Evaluation ?? EvaluateValidation());
    }

    /// <summary>A learner over this job's network, groups, data and loss, with the spec's optimizer.</summary>
    public Learner CreateLearner(IEnumerable<LearnerCallback>? callbacks = null, CancellationToken cancellation = default) =>
        CreateLearner(CreateTrainLoader(), callbacks ?? [], cancellation);

    private Learner CreateLearner(DataLoader trainLoader, IEnumerable<LearnerCallback> callbacks, CancellationToken cancellation) =>
        new(Network, Groups, trainLoader, _valid is null ? null : CreateLoader(_valid, training: false), Loss,
            groups => FineTuneOptimizer.Create(Spec.Optimizer, groups), callbacks,
            new LearnerOptions
            {
                Device = Device,
                Metrics = Spec.Metrics.ToArray(),
                ClassCount = ClassCount,
                Cancellation = cancellation,
                GradientClip = Spec.Optimizer.GradientClip,
                Regularizer = Regularizer,
            });

    /// <inheritdoc />
    public void Dispose()
    {
        Regularizer?.Dispose();
        Network.Dispose();
    }
}
