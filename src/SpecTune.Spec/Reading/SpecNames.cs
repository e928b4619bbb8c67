namespace SpecTune.Spec
{
    /// <summary>The YAML spelling of every enum value; the reader parses with these and messages print them.</summary>
    internal static class SpecNames
    {
        public static NameTable<TaskKind> Tasks { get; } = new NameTable<TaskKind>(
            ("binary-classification", TaskKind.BinaryClassification),
            ("multiclass-classification", TaskKind.MulticlassClassification),
            ("regression", TaskKind.Regression));

        public static NameTable<DataFormat> Formats { get; } = new NameTable<DataFormat>(
            ("idx", DataFormat.Idx), ("csv", DataFormat.Csv), ("image-folder", DataFormat.ImageFolder));

        public static NameTable<LossKind> Losses { get; } = new NameTable<LossKind>(
            ("cross-entropy", LossKind.CrossEntropy), ("binary-cross-entropy", LossKind.BinaryCrossEntropy), ("mse", LossKind.Mse));

        public static NameTable<MetricKind> Metrics { get; } = new NameTable<MetricKind>(
            ("accuracy", MetricKind.Accuracy), ("precision", MetricKind.Precision), ("recall", MetricKind.Recall), ("f1", MetricKind.F1),
            ("per-class-accuracy", MetricKind.PerClassAccuracy), ("confusion-matrix", MetricKind.ConfusionMatrix));

        public static NameTable<OptimizerKind> Optimizers { get; } = new NameTable<OptimizerKind>(
            ("adam", OptimizerKind.Adam), ("adamw", OptimizerKind.AdamW), ("sgd", OptimizerKind.Sgd));

        public static NameTable<ScheduleKind> Schedules { get; } = new NameTable<ScheduleKind>(
            ("constant", ScheduleKind.Constant), ("step", ScheduleKind.Step), ("cosine", ScheduleKind.Cosine), ("one-cycle", ScheduleKind.OneCycle));

        public static NameTable<BatchNormPolicy> BatchNormPolicies { get; } = new NameTable<BatchNormPolicy>(
            ("freeze-all", BatchNormPolicy.FreezeAll), ("train-affine", BatchNormPolicy.TrainAffine), ("train-all", BatchNormPolicy.TrainAll));

        public static NameTable<MonitorMode> MonitorModes { get; } = new NameTable<MonitorMode>(
            ("min", MonitorMode.Min), ("max", MonitorMode.Max));

        /// <summary>Head layers written as a bare name; `dropout` alone uses the runtime's default rate.</summary>
        public static NameTable<HeadLayerKind> BareLayers { get; } = new NameTable<HeadLayerKind>(
            ("relu", HeadLayerKind.Relu), ("gelu", HeadLayerKind.Gelu), ("sigmoid", HeadLayerKind.Sigmoid),
            ("softmax", HeadLayerKind.Softmax), ("batchnorm", HeadLayerKind.BatchNorm), ("dropout", HeadLayerKind.Dropout));
    }
}
