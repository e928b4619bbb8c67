using SpecTune.Data;
using SpecTune.Models;
using SpecTune.Onnx;
using SpecTune.Spec;
using SpecTune.Training;

namespace SpecTune.Planning;

/// <summary>
/// Layer 2: a checked spec compiled into what the runtime builds from it, with every relative path resolved
/// (<see cref="SpecPaths"/>). Compiling opens no file; building the network needs only <c>base.input</c> (and the
/// ONNX file of an ONNX base), never the data.
/// </summary>
internal sealed class FineTunePlan
{
    private FineTunePlan(FineTuneSpec spec, string baseDirectory)
    {
        Spec = spec;
        BaseDirectory = baseDirectory;
        SpecHash = global::SpecTune.Spec.SpecHash.Compute(spec);
        Phases = PhasePlanner.Plan(spec);
        CheckpointFolder = SpecPaths.CheckpointFolder(spec, baseDirectory);
        MetricsLogPath = Resolve(spec.MetricsLog);
        OutputPath = Resolve(spec.Output);
        BaseWeightsPath = Resolve(spec.Base.Weights);
        OnnxPath = Resolve(spec.Base.Onnx);
    }

    /// <summary>Checks <paramref name="spec"/> and compiles it; relative paths resolve as <see cref="SpecPaths.BaseDirectory"/> says.</summary>
    /// <exception cref="SpecException">The spec has errors; each diagnostic names its field.</exception>
    public static FineTunePlan Compile(FineTuneSpec spec, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = SpecChecker.Check(spec).Where(d => d.IsError).ToList();
        if (errors.Count > 0) throw new SpecException(errors);
        return new FineTunePlan(spec, SpecPaths.BaseDirectory(spec, baseDirectory));
    }

    /// <summary>Compiles a spec the YAML reader has already checked.</summary>
    internal static FineTunePlan CompileChecked(FineTuneSpec spec, string baseDirectory) => new(spec, SpecPaths.BaseDirectory(spec, baseDirectory));

    /// <summary>The spec.</summary>
    public FineTuneSpec Spec { get; }

    /// <summary>The folder relative paths resolved against.</summary>
    public string BaseDirectory { get; }

    /// <summary>The spec's hash (checkpoints and weights files carry it).</summary>
    public string SpecHash { get; }

    /// <summary>Every phase: trained groups, rates, schedule, BatchNorm policy.</summary>
    public IReadOnlyList<PhasePlan> Phases { get; }

    /// <summary>Where checkpoints go.</summary>
    public string CheckpointFolder { get; }

    /// <summary>The metrics log; null for none.</summary>
    public string? MetricsLogPath { get; }

    /// <summary>Where the fine-tuned weights are written; null for nowhere.</summary>
    public string? OutputPath { get; }

    /// <summary>The pretrained weights; null to start from initialisation.</summary>
    public string? BaseWeightsPath { get; }

    /// <summary>The ONNX graph of an ONNX base; null for a zoo architecture.</summary>
    public string? OnnxPath { get; }

    /// <summary>
    /// The base network with the spec's new head, freshly initialised (seed it first for reproducible weights), for
    /// samples of <paramref name="sampleShape"/> (default: <c>base.input</c>).
    /// </summary>
    /// <exception cref="SpecException">SPT0304: the network cannot be built for that shape, <c>base.input</c> is missing, or the ONNX file is missing or not importable.</exception>
    public FineTuneNetwork CreateNetwork(IReadOnlyList<int>? sampleShape = null)
    {
        var shape = sampleShape ?? (Spec.Base.Input.Count > 0 ? Spec.Base.Input.ToArray()
            : throw Error("base", "base.input is not set; the network's input shape is needed to build it without data"));
        try
        {
            // An ONNX base is imported as a trainable graph, cut where the spec says, with the head on its features.
            return OnnxPath is { } onnx
                ? OnnxFineTuneNetwork.Load(onnx, Spec.Base.CutAt, width => HeadBuilder.Build(Spec.Head, width), shape)
                : ModelZoo.Create(Spec.Base, Spec.Head, shape);
        }
        catch (Exception error) when (error is ArgumentException or OnnxImportException)
        {
            throw Error(OnnxPath is null ? "base" : "base.onnx", error.Message, error);
        }
        catch (FileNotFoundException error) when (OnnxPath is { } onnx && error.FileName == onnx)
        {
            throw Error("base.onnx", $"{onnx}: ONNX model not found", error);
        }
    }

    /// <summary>Opens the spec's training and validation data (split, class filter and label checks applied).</summary>
    /// <exception cref="DataException">A data file is missing or malformed.</exception>
    public (IDataSource Train, IDataSource? Valid) OpenData() => DataSourceFactory.Create(Spec.Data, BaseDirectory, Spec.Task, Spec.Seed);

    private string? Resolve(string? path) => SpecPaths.Resolve(BaseDirectory, path);

    private SpecException Error(string specPath, string message, Exception? inner = null) =>
        new(new[] { SpecDiagnostics.NetworkCannotBeBuilt.Create(Spec.SourcePath, Spec.Locations.Find(specPath), message) }, inner);
}
