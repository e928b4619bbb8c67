using SpecTune.Data;
using SpecTune.Onnx;
using SpecTune.Planning;
using SpecTune.Training;
using SpecTune.Weights;
using static TorchSharp.torch;

namespace SpecTune;

/// <summary>What comes out of a session: evaluation, predictions, the weights file and the ONNX export.</summary>
public sealed partial class FineTuneJob
{
    /// <summary>Loss and metrics on the validation data; null when the spec has none.</summary>
    public EvaluationResult? EvaluateValidation() => _valid is null ? null : Evaluate(_valid);

    /// <summary>Loss and metrics on <paramref name="data"/> (preprocessed like training data, without augmentation).</summary>
    public EvaluationResult Evaluate(IDataSource data) => Evaluate(CreateLoader(data, training: false).Epoch(0), Network.call);

    /// <summary>
    /// Loss and metrics over <paramref name="batches"/>, the network in eval mode and under no_grad; <paramref name="forward"/>
    /// maps a batch's features (on the device) to outputs: the whole network, or the head alone on cached backbone features.
    /// </summary>
    internal EvaluationResult Evaluate(IEnumerable<Batch> batches, Func<Tensor, Tensor> forward) =>
        (_evaluator ??= CreateLearner(CreateTrainLoader(), [], default)).Evaluate(batches, forward);

    private Learner? _evaluator;

    /// <summary>
    /// The model's answer for a batch of preprocessed inputs [N, ...sample shape]: probabilities of the positive
    /// class [N] (binary), class probabilities [N, C] (multiclass) or values (regression).
    /// </summary>
    public Tensor Predict(Tensor input)
    {
        bool wasTraining = Network.training;
        Network.eval();
        try
        {
            using var _ = no_grad();
            using var output = Network.call(input.to(Device));
            return Loss.ToProbabilities(output).cpu();
        }
        finally
        {
            Network.train(wasTraining);
        }
    }

    /// <summary>Writes the network's weights (parameters and buffers) to a .safetensors file, atomically.</summary>
    public void SaveWeights(string path)
    {
        var metadata = new Dictionary<string, string>
        {
            ["spectune.spec"] = Spec.Name,
            ["spectune.spec_hash"] = SpecHash,
            ["spectune.architecture"] = Spec.Base.Onnx is { } onnx ? "onnx:" + Path.GetFileName(onnx) : Spec.Base.Architecture,
            ["spectune.head_slot"] = Network.HeadSlot,
            [ClassNamesKey] = System.Text.Json.JsonSerializer.Serialize(ClassNames),
        };
        SpecErrors.Translating(Plan, () => WeightLoader.SaveModule(path, Network, metadata));
    }

    /// <summary>
    /// Writes the fine-tuned network as ONNX (the imported graph with trained initializers, the pooling, the new
    /// head; output "output" as the head gives it, e.g. probabilities after a sigmoid). Only for `base.onnx` specs.
    /// </summary>
    /// <exception cref="InvalidOperationException">The base is a zoo architecture; those export to safetensors (<see cref="SaveWeights"/>).</exception>
    public void ExportOnnx(string path)
    {
        if (Network is not OnnxFineTuneNetwork onnx)
            throw new InvalidOperationException($"ONNX export writes imported ONNX graphs back; '{Spec.Base.Architecture}' is a zoo architecture, so use SaveWeights (safetensors).");
        bool wasTraining = onnx.training;
        onnx.eval();
        try
        {
            OnnxExport.Save(onnx, path);
        }
        finally
        {
            onnx.train(wasTraining);
        }
    }
}
