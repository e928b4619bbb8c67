namespace SpecTune.Weights;

/// <summary>
/// A weights file is malformed: its header breaks the format, or its data does not match the
/// header. The message names the file and the problem.
/// </summary>
internal sealed class WeightsFormatException : Exception
{
    public WeightsFormatException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The file that is malformed.</summary>
    public string Path { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }
}
