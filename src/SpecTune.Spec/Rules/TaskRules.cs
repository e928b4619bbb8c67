namespace SpecTune.Spec
{
    /// <summary>Which loss a task trains with: the checker (SPT0130) and the runtime's LossFunction.Create apply this one rule.</summary>
    public static class TaskRules
    {
        /// <summary>The one loss that fits <paramref name="task"/>.</summary>
        public static LossKind LossFor(TaskKind task) => task switch
        {
            TaskKind.BinaryClassification => LossKind.BinaryCrossEntropy,
            TaskKind.MulticlassClassification => LossKind.CrossEntropy,
            _ => LossKind.Mse,
        };

        public static bool LossFits(LossKind loss, TaskKind task) => loss == LossFor(task);
    }
}
