namespace SpecTune.Training;

/// <summary>
/// Writes the metrics log (<see cref="MetricsLog"/>). It runs after the checkpoint callback, so an epoch's line follows
/// its checkpoint; a resumed run rewrites the log from the checkpoint's history (no epoch twice, none missing), and a
/// fresh run keeps the old log until its first epoch ends.
/// </summary>
public sealed class MetricsLogCallback(string path) : LearnerCallback
{
    private MetricsLog? _log;

    /// <inheritdoc />
    public override int Order => 30;

    /// <inheritdoc />
    public override void BeforeFit(Learner learner)
    {
        _log = null;
        if (learner.Run.Resumed) _log = MetricsLog.Rewrite(path, learner.Run.History);
    }

    /// <inheritdoc />
    public override void AfterEpoch(Learner learner, EpochResult epoch)
    {
        _log ??= MetricsLog.Rewrite(path, []);
        _log.Append(epoch);
    }
}
