using System.Globalization;

namespace SpecTune.Data;

/// <summary>
/// A CSV file with a header row and numeric columns (invariant culture: '.' decimals, ',' separators).
/// One column is the target, every other column a feature, so samples have shape [features].
/// Quoted fields are not supported; a quote anywhere is an error rather than a silently mis-split row.
/// The whole file is parsed at construction into one float array.
/// </summary>
internal sealed class CsvDataSource : IDataSource
{
    private readonly float[] _features;
    private readonly float[] _targets;
    private readonly int _featureCount;

    /// <param name="path">The CSV file.</param>
    /// <param name="labelColumn">
    /// The target column: a header name, or a 0-based index when no header has that name.
    /// Null picks the column named "label" if there is one, else the last column.
    /// </param>
    /// <param name="classification">
    /// True: targets must be integer class indices >= 0 and <see cref="ClassCount"/> is the largest plus one.
    /// False: targets are any finite numbers (regression) and <see cref="ClassCount"/> is 0.
    /// </param>
    /// <param name="scale">Multiplies every feature value (not the target).</param>
    public CsvDataSource(string path, string? labelColumn, bool classification, double scale = 1.0)
    {
        Origin = Path.GetFullPath(path);
        var lines = DataFile.ReadAllLines(Origin);
        if (lines.Length == 0 || lines[0].Trim().Length == 0)
            throw new DataException(Origin, "is empty; expected a header row naming the columns", line: 1);

        var header = SplitRow(lines[0], 1);
        LabelIndex = ResolveLabelColumn(header, labelColumn);
        Columns = header;
        _featureCount = header.Length - 1;
        if (_featureCount == 0)
            throw new DataException(Origin, "has only the label column; expected at least one feature column", line: 1);

        var features = new List<float>(lines.Length * _featureCount);
        var targets = new List<float>(lines.Length);
        int maxLabel = -1;
        for (int lineIndex = 1; lineIndex < lines.Length; lineIndex++)
        {
            int lineNumber = lineIndex + 1;
            // Blank lines (typically a trailing newline) carry no sample.
            if (lines[lineIndex].Trim().Length == 0)
                continue;
            var fields = SplitRow(lines[lineIndex], lineNumber);
            if (fields.Length != header.Length)
                throw new DataException(Origin, $"row has {fields.Length} columns; expected {header.Length} like the header", lineNumber);
            for (int c = 0; c < fields.Length; c++)
            {
                var value = ParseNumber(fields[c], lineNumber, c, header[c]);
                if (c != LabelIndex)
                {
                    features.Add((float)(value * scale));
                }
                else if (classification)
                {
                    if (value < 0 || value != MathF.Floor(value) || value > int.MaxValue)
                        throw new DataException(Origin, $"label '{fields[c]}' is not a class index; expected an integer >= 0", lineNumber, c + 1);
                    maxLabel = Math.Max(maxLabel, (int)value);
                    targets.Add(value);
                }
                else
                {
                    targets.Add(value);
                }
            }
        }

        if (targets.Count == 0)
            throw new DataException(Origin, "has a header but no data rows; expected at least one sample per line after the header", line: 2);
        _features = features.ToArray();
        _targets = targets.ToArray();
        Count = _targets.Length;
        SampleShape = [_featureCount];
        ClassCount = classification ? maxLabel + 1 : 0;
    }

    public string Origin { get; }

    /// <summary>The header's column names.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>0-based index of the target column.</summary>
    public int LabelIndex { get; }

    public int Count { get; }

    public IReadOnlyList<int> SampleShape { get; }

    public int ClassCount { get; }

    public void ReadFeatures(int index, Span<float> destination)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"expected 0..{Count - 1}");
        _features.AsSpan(index * _featureCount, _featureCount).CopyTo(destination);
    }

    public float ReadTarget(int index) => _targets[index];

    private string[] SplitRow(string line, int lineNumber)
    {
        int quote = line.IndexOf('"');
        if (quote >= 0)
            throw new DataException(Origin, $"contains a quote at character {quote + 1}; quoted fields are not supported, expected plain numeric fields separated by commas", lineNumber);
        var fields = line.Split(',');
        for (int i = 0; i < fields.Length; i++)
            fields[i] = fields[i].Trim();
        return fields;
    }

    private int ResolveLabelColumn(string[] header, string? labelColumn)
    {
        if (labelColumn is null)
        {
            int named = Array.IndexOf(header, "label");
            return named >= 0 ? named : header.Length - 1;
        }
        int byName = Array.IndexOf(header, labelColumn);
        if (byName >= 0)
            return byName;
        if (int.TryParse(labelColumn, NumberStyles.None, CultureInfo.InvariantCulture, out int byIndex) && byIndex < header.Length)
            return byIndex;
        throw new DataException(Origin, $"has no label column '{labelColumn}'; expected one of the header's columns ({string.Join(", ", header)}) or an index 0..{header.Length - 1}", line: 1);
    }

    private float ParseNumber(string field, int lineNumber, int columnIndex, string columnName)
    {
        if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value))
            throw new DataException(Origin, $"value '{field}' in column '{columnName}' is not a number; expected a finite number such as 1.5 or -2e-3", lineNumber, columnIndex + 1);
        return value;
    }
}
