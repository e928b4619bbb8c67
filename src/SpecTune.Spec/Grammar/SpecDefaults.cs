namespace SpecTune.Spec
{
    /// <summary>
    /// Every default of the spec grammar, written once: the YAML reader, the attribute front end, the model records
    /// and the grammar table (hence the JSON Schema and docs test) all read these.
    /// </summary>
    public static class SpecDefaults
    {
        public const int Version = 1;
        public const bool Strict = true;
        public const int BatchSize = 32;
        public const bool Shuffle = true;
        public const int Prefetch = 2;
        public const bool RandomFlip = false;
        public const int RandomCrop = 0;
        public const double LabelSmoothing = 0;
        public const double WeightDecay = 0;
        public const double Momentum = 0;
        public const bool Nesterov = false;
        public const double Beta1 = 0.9;
        public const double Beta2 = 0.999;
        public const double Epsilon = 1e-8;
        public const int StepSize = 1;
        public const double Gamma = 0.1;
        public const double MinLearningRateFactor = 0;
        public const double PctStart = 0.3;
        public const string Monitor = "val-loss";
        public const int Patience = 3;
        public const double MinDelta = 0;
        public const bool RestoreBest = true;
        public const int Seed = 0;
        public const string Device = "cpu";
        public const BatchNormPolicy BatchNorm = BatchNormPolicy.FreezeAll;
        public const bool FeatureCache = true;
        public const TaskKind Task = TaskKind.MulticlassClassification;
        public const LossKind Loss = LossKind.CrossEntropy;
        public const OptimizerKind Optimizer = OptimizerKind.Adam;
        public const ScheduleKind Schedule = ScheduleKind.Constant;
    }
}
