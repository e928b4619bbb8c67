namespace SpecTune.Checkpoints;

/// <summary>
/// Where a training run stands: enough, with the model, optimizer and RNG tensors saved beside it
/// by <see cref="CheckpointStore"/>, to resume on the same learning-rate curve.
/// </summary>
internal sealed record TrainingCheckpoint
{
    /// <summary>Hash of the spec the run was started from; a resumed run must have the same.</summary>
    public required string SpecHash { get; init; }

    /// <summary>Index of the phase in progress (0-based).</summary>
    public int PhaseIndex { get; init; }

    /// <summary>Epochs completed within the phase.</summary>
    public int Epoch { get; init; }

    /// <summary>Optimizer steps taken since the run began, across phases (drives the LR schedule).</summary>
    public long Step { get; init; }

    /// <summary>Steps taken into the epoch in progress; 0 when saved at an epoch boundary.</summary>
    public int StepInEpoch { get; init; }

    /// <summary>Best value of the monitored metric so far; null before the first evaluation.</summary>
    public double? BestMetric { get; init; }

    /// <summary>Evaluations since the monitored metric last improved, for early stopping.</summary>
    public int EpochsWithoutImprovement { get; init; }

    /// <summary>Free-form strings kept with the checkpoint (e.g. scheduler settings, a run id).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}

/// <summary>A checkpoint file is unusable: unreadable, truncated, corrupt, or saved for another spec.</summary>
internal sealed class CheckpointException : Exception
{
    public CheckpointException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The checkpoint file.</summary>
    public string Path { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }
}
