using SpecTune.Training;

namespace SpecTune.Tests;

/// <summary>
/// The runtime's public surface is designed, not accumulated: layer 0 (network, groups, loss, optimizer, data
/// interfaces), layer 1 (the Learner, its callbacks and records), the session and the model (docs/design.md).
/// Making a type public is a decision recorded here; everything else is internal.
/// </summary>
public sealed class PublicSurfaceTests
{
    private static readonly string[] Designed =
    [
        // The session (layer 3) and the model for inference; the generated classes derive from FineTuneModel.
        "SpecTune.FineTuneJob", "SpecTune.FineTuneModel", "SpecTune.ClassPrediction",
        "SpecTune.HyperparameterSet`1", "SpecTune.PhaseHyperparameters`1",
        // Layer 1: the Learner, its run state, callbacks and what it reports.
        "SpecTune.Training.Learner", "SpecTune.Training.LearnerOptions", "SpecTune.Training.LearnerRun",
        "SpecTune.Training.LearnerCallback", "SpecTune.Training.CheckpointCallback",
        "SpecTune.Training.EarlyStoppingCallback", "SpecTune.Training.MetricsLogCallback",
        "SpecTune.Training.PhasePlan", "SpecTune.Training.EpochResult", "SpecTune.Training.PhaseSummary",
        "SpecTune.Training.FitResult", "SpecTune.Training.EvaluationResult",
        "SpecTune.Training.TrainingOptions", "SpecTune.Training.TrainingProgress", "SpecTune.Training.TrainingReport",
        // Layer 0: what a Learner is built from.
        "SpecTune.Models.FineTuneNetwork", "SpecTune.Onnx.OnnxModule",
        "SpecTune.Freezing.ParameterGroup", "SpecTune.Freezing.ParameterGroups",
        "SpecTune.Losses.LossFunction", "SpecTune.Optimization.FineTuneOptimizer", "SpecTune.Optimization.OptimizerGroup",
        "SpecTune.Data.Batch", "SpecTune.Data.IBatchSource", "SpecTune.Data.IDataSource",
    ];

    [Fact]
    public void Only_the_designed_types_are_public()
    {
        var exported = typeof(Learner).Assembly.GetExportedTypes().Select(t => t.FullName!).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(Designed.Order(StringComparer.Ordinal), exported);
        Assert.True(exported.Length <= 30, $"{exported.Length} public types; the aim is at most 30");
    }
}
