namespace SpecTune.Data;

/// <summary>
/// Input data that cannot be used: a missing or unreadable file, a malformed format, an inconsistent
/// sample. The message starts with the full path (and line and column where they are known), then
/// says what is wrong and what was expected, so that a user can fix the file without a debugger.
/// </summary>
internal sealed class DataException : Exception
{
    public DataException(string path, string problem, int? line = null, int? column = null, Exception? innerException = null)
        : base(Format(path, problem, line, column), innerException)
    {
        Path = path;
        Line = line;
        Column = column;
    }

    /// <summary>The full path of the offending file or folder.</summary>
    public string Path { get; }

    /// <summary>1-based line number, when the problem is at a line of a text file.</summary>
    public int? Line { get; }

    /// <summary>1-based column (field) number, when the problem is at one field of a line.</summary>
    public int? Column { get; }

    private static string Format(string path, string problem, int? line, int? column)
    {
        var location = path;
        if (line is int l)
        {
            location += ":" + l.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (column is int c)
                location += ":" + c.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return location + ": " + problem;
    }
}
