using SpecTune.Data;
using SpecTune.Freezing;
using SpecTune.Models;
using SpecTune.Training;
using SpecTune.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune;

/// <summary>
/// The base of every class SpecTune's source generator emits for a spec: it wraps the <see cref="FineTuneJob"/>
/// that runs the spec. The generated class adds the typed surface (one property per parameter group, the
/// <c>Phase</c> enum and <c>Enter</c>, hyperparameters, <c>Create</c>/<c>Load</c>, and
/// <c>Predict</c> typed by the task). docs/generator.md describes it.
/// </summary>
public abstract class FineTuneModel : IDisposable
{
    /// <summary>Wraps <paramref name="job"/>; the model owns it and disposes it.</summary>
    protected FineTuneModel(FineTuneJob job)
    {
        Job = job ?? throw new ArgumentNullException(nameof(job));
    }

    /// <summary>The job that runs the spec (network, groups, data, loss, trainer).</summary>
    public FineTuneJob Job { get; }

    /// <summary>The base network with the new head in its slot.</summary>
    public FineTuneNetwork Network => Job.Network;

    /// <summary>Every parameter, by group.</summary>
    public ParameterGroups Groups => Job.Groups;

    /// <summary>What the model predicts.</summary>
    public Spec.TaskKind Task => Job.Spec.Task;

    /// <summary>Class names (label i is ClassNames[i]); empty for regression.</summary>
    public IReadOnlyList<string> ClassNames => Job.ClassNames;

    /// <summary>
    /// A model for inference from <paramref name="spec"/> and its fine-tuned weights file alone: no data, no base weights
    /// (see <see cref="FineTuneJob.ForInference"/>).
    /// </summary>
    public static FineTuneModel Load(Spec.FineTuneSpec spec, string weightsPath, string? baseDirectory = null) =>
        new LoadedModel(FineTuneJob.ForInference(spec, weightsPath, baseDirectory));

    /// <summary>
    /// Enters phase <paramref name="index"/> of the spec with the one freezer (<see cref="FreezeController"/>): flags,
    /// BatchNorm policy, gradient release, then training mode with frozen BatchNorm layers in eval mode.
    /// </summary>
    protected void EnterPhase(int index)
    {
        var phase = Job.Plan.Phases[index];
        var freeze = new FreezeController(Network, Groups);
        freeze.Enter(phase);
        freeze.SetTrainingMode(phase);
    }

    /// <summary>The output row (probabilities or values) for an image file, preprocessed as the spec's image data is.</summary>
    public float[] PredictImageFile(string path)
    {
        using var sample = new Preprocessing(Job.Spec).FromImageFile(path);
        return PredictRow(sample);
    }

    /// <summary>The output row for one CSV row of feature values (without the label column), scaled as the spec's CSV data is.</summary>
    public float[] PredictCsvRow(string row)
    {
        using var sample = new Preprocessing(Job.Spec).FromCsvRow(row);
        return PredictRow(sample);
    }

    /// <summary>Loads weights (head included, strictly by name and shape) from a .safetensors file written by training or <see cref="SaveWeights"/>.</summary>
    public void LoadWeights(string path) => WeightLoader.LoadFile(Network, path, WeightLoadOptions.Default);

    /// <summary>Writes the network's weights (parameters and buffers) to a .safetensors file, atomically.</summary>
    public void SaveWeights(string path) => Job.SaveWeights(path);

    /// <summary>Runs every phase in order: enters it (flags, BatchNorm policy, optimizer), trains, stops early as the spec says, writes the output.</summary>
    /// <param name="progress">Receives step and epoch events; null for none.</param>
    /// <param name="cancel">Stops at the next step, after saving a checkpoint.</param>
    public TrainingReport Train(IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default) =>
        Job.Train(new TrainingOptions { Progress = progress, Cancellation = cancel });

    /// <summary>Runs every phase with full control over the run (resume, progress interval).</summary>
    public TrainingReport Train(TrainingOptions options) => Job.Train(options);

    /// <summary>Loss and metrics on the spec's validation data; null when it has none.</summary>
    public EvaluationResult? Evaluate() => Job.EvaluateValidation();

    /// <summary>Loss and metrics on <paramref name="data"/>, preprocessed like training data without augmentation.</summary>
    public EvaluationResult Evaluate(IDataSource data) => Job.Evaluate(data);

    /// <summary>The model's output rows for a batch: one float array per sample (probabilities or values).</summary>
    protected float[][] PredictRows(Tensor batch)
    {
        using var output = Job.Predict(batch);
        using var rows = output.dim() == 1 ? output.unsqueeze(1) : output.flatten(1);
        using var values = rows.to_type(ScalarType.Float32).contiguous();
        var flat = values.data<float>().ToArray();
        int width = (int)values.shape[1];
        var result = new float[values.shape[0]][];
        for (int i = 0; i < result.Length; i++) result[i] = flat.AsSpan(i * width, width).ToArray();
        return result;
    }

    /// <summary>The model's output row for one sample (run as a batch of one).</summary>
    protected float[] PredictRow(Tensor sample)
    {
        using var batch = sample.unsqueeze(0);
        return PredictRows(batch)[0];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes the job (network and data) when <paramref name="disposing"/>.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing) Job.Dispose();
    }
}

/// <summary>A model loaded by <see cref="FineTuneModel.Load"/> (no generated class).</summary>
internal sealed class LoadedModel(FineTuneJob job) : FineTuneModel(job);

/// <summary>A multiclass prediction: the most probable class and every class's probability.</summary>
/// <param name="Class">The index of the most probable class (after <c>data.classes</c> renumbering).</param>
/// <param name="Probabilities">The probability of each class.</param>
public sealed record ClassPrediction(int Class, float[] Probabilities)
{
    /// <summary>The prediction whose class is the largest of <paramref name="probabilities"/>.</summary>
    public static ClassPrediction FromProbabilities(float[] probabilities)
    {
        int best = 0;
        for (int i = 1; i < probabilities.Length; i++)
            if (probabilities[i] > probabilities[best]) best = i;
        return new ClassPrediction(best, probabilities);
    }
}
