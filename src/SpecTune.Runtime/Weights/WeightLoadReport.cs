using System.Text;

namespace SpecTune.Weights;

/// <summary>A weight whose shape differs from the module's tensor of the same name.</summary>
/// <param name="Name">The module's name for it.</param>
/// <param name="WeightName">The name in the weights (differs from <paramref name="Name"/> when a name map renamed it).</param>
/// <param name="ModuleShape">The shape the module expects.</param>
/// <param name="WeightShape">The shape in the weights.</param>
internal sealed record ShapeMismatch(string Name, string WeightName, IReadOnlyList<long> ModuleShape, IReadOnlyList<long> WeightShape)
{
    public override string ToString() =>
        $"{Name}{(WeightName == Name ? "" : $" (weights: '{WeightName}')")}: module {SafeTensors.FormatShape(ModuleShape)}, weights {SafeTensors.FormatShape(WeightShape)}";
}

/// <summary>What a load did. All lists are in ordinal order.</summary>
/// <param name="Loaded">Module names that received a weight.</param>
/// <param name="Missing">Module names that no weight matched (left as they were).</param>
/// <param name="Unexpected">Names in the weights that match nothing in the module (ignored).</param>
/// <param name="Mismatched">Names present on both sides with different shapes (not loaded).</param>
/// <param name="Skipped">Module-side names under a skip prefix, from either side.</param>
internal sealed record WeightLoadReport(
    IReadOnlyList<string> Loaded,
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Unexpected,
    IReadOnlyList<ShapeMismatch> Mismatched,
    IReadOnlyList<string> Skipped)
{
    /// <summary>True when every module tensor outside the skip prefixes got a weight and every weight was used.</summary>
    public bool IsExact => Missing.Count == 0 && Unexpected.Count == 0 && Mismatched.Count == 0;

    /// <summary>One line per problem, for logs and for non-strict loads.</summary>
    public IReadOnlyList<string> Warnings =>
    [
        .. Missing.Select(n => $"missing from the weights: {n} (left as initialised)"),
        .. Unexpected.Select(n => $"not in the model: {n} (ignored)"),
        .. Mismatched.Select(m => $"shape mismatch: {m} (left as initialised)"),
    ];
}

/// <summary>A strict load found names that do not fit; <see cref="Report"/> lists all of them.</summary>
internal sealed class WeightLoadException : Exception
{
    public WeightLoadException(WeightLoadReport report, string? source)
        : base(Describe(report, source))
    {
        Report = report;
        Origin = source;
    }

    public WeightLoadReport Report { get; }

    /// <summary>The file the weights came from, when they came from one.</summary>
    public string? Origin { get; }

    /// <summary>The one prefix that turns every unexpected name into a missing one ("module."), if there is one.</summary>
    private static string? CommonPrefix(WeightLoadReport report)
    {
        if (report.Unexpected.Count == 0 || report.Missing.Count == 0) return null;
        var missing = report.Missing.ToHashSet(StringComparer.Ordinal);
        var first = report.Unexpected[0];
        for (int end = first.IndexOf('.'); end > 0; end = first.IndexOf('.', end + 1))
        {
            var prefix = first[..(end + 1)];
            if (report.Unexpected.All(n => n.StartsWith(prefix, StringComparison.Ordinal)
                    && (missing.Contains(n[prefix.Length..]) || n.EndsWith(".num_batches_tracked", StringComparison.Ordinal))))
                return prefix;
        }
        return null;
    }

    private static string Describe(WeightLoadReport report, string? source)
    {
        var text = new StringBuilder();
        text.Append(source is null ? "The weights" : $"{source}: the weights")
            .Append($" do not fit the model ({report.Missing.Count} missing, {report.Unexpected.Count} unexpected, {report.Mismatched.Count} shape mismatches); nothing was loaded.");
        if (report.Missing.Count > 0)
            text.Append("\n  missing from the weights: ").AppendJoin(", ", report.Missing);
        if (report.Unexpected.Count > 0)
            text.Append("\n  not in the model: ").AppendJoin(", ", report.Unexpected);
        foreach (var mismatch in report.Mismatched)
            text.Append("\n  shape mismatch: ").Append(mismatch);
        if (CommonPrefix(report) is { } prefix)
            text.Append($"\n  every name in the weights starts with '{prefix}', which the model's names lack (nn.DataParallel writes 'module.'): rename it away with base.rename {{ \"{prefix}\": \"\" }} in a spec, or a prefix rename (WeightLoadOptions.WithPrefixRenames)");
        text.Append("\n  (use skip prefixes for a replaced head, a name map for renamed layers, or a non-strict load)");
        return text.ToString();
    }
}
