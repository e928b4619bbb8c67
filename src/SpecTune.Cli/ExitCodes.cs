namespace SpecTune.Cli;

/// <summary>The command's exit codes (also what the MSBuild task interprets).</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>A spec, data, weights or usage error; the reason is printed.</summary>
    public const int Error = 1;

    /// <summary>Stopped by Ctrl+C or SIGTERM after saving a checkpoint (128 + SIGINT, as shells report it).</summary>
    public const int Cancelled = 130;
}
