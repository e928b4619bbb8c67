using System.CommandLine;
using System.Text.Json;
using ScottPlot;

namespace SpecTune.Cli.Commands;

/// <summary>
/// <c>spectune plot RUN.jsonl -o out.png</c>: loss curves (left axis) and metric curves (right axis) per epoch
/// from a metrics log, with a dashed line where each phase begins.
/// </summary>
internal static class PlotCommand
{
    private static readonly HashSet<string> NotCurves = new(StringComparer.Ordinal) { "phase", "phase_index", "epoch", "step", "seconds", "lr" };

    public static Command Create(CliConsole console)
    {
        var log = new Argument<string>("metrics-log") { Description = "A metrics log (the spec's metrics-log: file, JSON lines)." };
        var output = new Option<string>("--output", "-o") { Description = "The PNG to write.", Required = true };
        var width = new Option<int>("--width") { Description = "Image width in pixels.", DefaultValueFactory = _ => 1000 };
        var height = new Option<int>("--height") { Description = "Image height in pixels.", DefaultValueFactory = _ => 600 };
        var command = new Command("plot", "Plot loss and metric curves per epoch from a metrics log, phase boundaries marked.") { log, output, width, height };
        command.SetAction(parse => Run(console, parse.GetValue(log)!, parse.GetValue(output)!, parse.GetValue(width), parse.GetValue(height)));
        return command;
    }

    private static int Run(CliConsole console, string logPath, string outputPath, int width, int height)
    {
        List<JsonElement> epochs;
        try
        {
            epochs = File.ReadLines(logPath).Where(l => l.Trim().Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        }
        catch (Exception error) when (error is IOException or JsonException or UnauthorizedAccessException)
        {
            console.Error.WriteLine($"{logPath}: error: cannot read the metrics log ({error.Message})");
            return ExitCodes.Error;
        }
        if (epochs.Count == 0)
        {
            console.Error.WriteLine($"{logPath}: error: the metrics log has no epochs yet");
            return ExitCodes.Error;
        }

        // x is the epoch's position in the whole run (1-based), so phases follow each other on one axis.
        var curves = new Dictionary<string, List<(double X, double Y)>>(StringComparer.Ordinal);
        var boundaries = new List<(double X, string Phase)>();
        int? lastPhase = null;
        for (int i = 0; i < epochs.Count; i++)
        {
            var epoch = epochs[i];
            int phaseIndex = epoch.TryGetProperty("phase_index", out var p) ? p.GetInt32() : 0;
            if (phaseIndex != lastPhase)
            {
                boundaries.Add((i + 0.5, epoch.TryGetProperty("phase", out var name) ? name.GetString() ?? "" : $"phase {phaseIndex + 1}"));
                lastPhase = phaseIndex;
            }
            foreach (var property in epoch.EnumerateObject())
            {
                if (NotCurves.Contains(property.Name) || property.Value.ValueKind != JsonValueKind.Number) continue;
                if (!curves.TryGetValue(property.Name, out var points)) curves[property.Name] = points = new();
                points.Add((i + 1, property.Value.GetDouble()));
            }
        }

        var plot = new Plot();
        plot.Title(Path.GetFileNameWithoutExtension(logPath));
        plot.XLabel("epoch");
        plot.YLabel("loss");
        bool anyMetric = false;
        var palette = new ScottPlot.Palettes.Category10();
        int colour = 0;
        foreach (var (name, points) in curves.OrderBy(c => IsLoss(c.Key) ? 0 : 1).ThenBy(c => c.Key, StringComparer.Ordinal))
        {
            var line = plot.Add.Scatter(points.Select(q => q.X).ToArray(), points.Select(q => q.Y).ToArray(), palette.GetColor(colour++));
            line.LegendText = name;
            line.LineWidth = 2;
            line.MarkerSize = 5;
            if (!IsLoss(name))
            {
                line.Axes.YAxis = plot.Axes.Right;
                line.LinePattern = LinePattern.Dotted;
                anyMetric = true;
            }
        }
        if (anyMetric) plot.Axes.Right.Label.Text = "metric";
        foreach (var (x, phase) in boundaries)
        {
            var marker = plot.Add.VerticalLine(x, 1, Colors.Gray, LinePattern.Dashed);
            marker.LabelText = phase;
        }
        plot.Axes.SetLimitsX(0.5, epochs.Count + 0.5);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(Alignment.UpperRight);

        var fullPath = Path.GetFullPath(outputPath);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        plot.SavePng(fullPath, width, height);
        console.Out.WriteLine($"wrote {fullPath}: {epochs.Count} epochs, {boundaries.Count} phase{(boundaries.Count == 1 ? "" : "s")}, curves: {string.Join(", ", curves.Keys)}");
        return ExitCodes.Success;
    }

    private static bool IsLoss(string name) => name.EndsWith("loss", StringComparison.Ordinal) || name is "val-mse" or "val-mae";
}
