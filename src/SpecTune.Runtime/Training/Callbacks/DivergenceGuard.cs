using System.Globalization;

namespace SpecTune.Training;

/// <summary>
/// Stops the fit with <see cref="TrainingDivergedException"/> when a step's loss is not finite (that step updated nothing);
/// <paramref name="checkpointPath"/>, when given, is named as the last good checkpoint.
/// </summary>
internal sealed class DivergenceGuard(string? checkpointPath = null) : LearnerCallback
{
    /// <inheritdoc />
    public override void AfterStep(Learner learner)
    {
        var run = learner.Run;
        if (double.IsFinite(run.StepLoss)) return;
        var kept = checkpointPath is null ? "" : $" The last good checkpoint is kept at {checkpointPath}.";
        throw new TrainingDivergedException(
            $"The loss became {run.StepLoss.ToString(CultureInfo.InvariantCulture)} in phase '{run.Phase.Name}', epoch {run.Epoch + 1}, step {run.StepInEpoch} " +
            $"(global step {run.GlobalStep}); training stopped.{kept} Lower the learning rate or enable grad-clip.", run.Phase.Name);
    }
}
