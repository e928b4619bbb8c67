namespace SpecTune.Data;

/// <summary>How a <see cref="DataLoader"/> shapes targets.</summary>
internal enum TargetKind
{
    /// <summary>Class indices as int64 of shape [N], for cross-entropy (multiclass classification).</summary>
    ClassIndex,

    /// <summary>
    /// Float32 values of shape [N, 1], matching a one-unit head: 0/1 for binary classification with
    /// binary cross-entropy, or regression targets for MSE. The trailing 1 keeps loss functions from
    /// broadcasting [N, 1] outputs against [N] targets into an [N, N] loss.
    /// </summary>
    Value,
}
