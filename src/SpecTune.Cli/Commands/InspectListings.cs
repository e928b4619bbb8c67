using System.Globalization;
using System.Text.Json;
using Onnx;
using SpecTune.Onnx;
using SpecTune.Training;

namespace SpecTune.Cli.Commands;

/// <summary><c>spectune inspect</c> for what is not a weights file: an ONNX model, a spec, a metrics log.</summary>
internal static class InspectListings
{
    /// <summary>
    /// Initializers (with the parameter name SpecTune gives each, which groups match) and nodes (whose names
    /// <c>base.cut-at</c> takes), in graph order.
    /// </summary>
    public static int Onnx(CliConsole console, string path, ModelProto model)
    {
        var graph = model.Graph;
        var opset = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(1).Max();
        long values = graph.Initializer.Sum(i => i.Dims.Aggregate(1L, (a, d) => a * d));
        console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{path}: ONNX model, opset {opset}, {graph.Node.Count} nodes, {graph.Initializer.Count} initializers ({values:N0} values)"));
        var initializerNames = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        console.Out.WriteLine($"inputs: {string.Join(", ", graph.Input.Where(i => !initializerNames.Contains(i.Name)).Select(i => i.Name))}; outputs: {string.Join(", ", graph.Output.Select(o => o.Name))}");

        Dictionary<string, string>? parameterOf = null;
        try
        {
            using var loaded = OnnxGraph.Load(model, path, Path.GetDirectoryName(Path.GetFullPath(path)), cutAt: null);
            parameterOf = loaded.Initializers.ToDictionary(i => i.OnnxName, i => i.Kind == OnnxInitializerKind.Constant ? "(constant)" : i.ModuleName, StringComparer.Ordinal);
        }
        catch (OnnxImportException error)
        {
            console.Out.WriteLine($"(SpecTune cannot import it, so no parameter names: {error.Message})");
        }

        console.Out.WriteLine();
        InspectCommand.WriteTable(console.Out, ["initializer", "shape", "dtype", "parameter (groups match it)"],
            graph.Initializer.Select(i => new[]
            {
                i.Name, "[" + string.Join(", ", i.Dims) + "]", ((TensorProto.Types.DataType)i.DataType).ToString().ToLowerInvariant(),
                parameterOf?.GetValueOrDefault(i.Name, "(unused)") ?? "?",
            }).ToList());
        console.Out.WriteLine();
        InspectCommand.WriteTable(console.Out, ["node (cut-at takes it)", "op", "inputs", "outputs"],
            graph.Node.Select(n => new[] { n.Name.Length > 0 ? n.Name : "(unnamed)", n.OpType, string.Join(", ", n.Input), string.Join(", ", n.Output) }).ToList());
        return ExitCodes.Success;
    }

    /// <summary>What a spec trains: its base, groups and phases (parameters per group: <c>inspect ARCH --spec</c>).</summary>
    public static int Spec(CliConsole console, string path)
    {
        var file = SpecFile.Load(path, console);
        if (file is null) return ExitCodes.Error;
        var spec = file.Spec;
        var baseText = spec.Base.Onnx is not null ? "ONNX " + spec.Base.Onnx : spec.Base.Architecture;
        console.Out.WriteLine($"{path}: spec {spec.Name} (hash {SpecTune.Spec.SpecHash.Compute(spec)[..12]}), base {baseText}, task {Kebab(spec.Task.ToString())}");
        console.Out.WriteLine("groups: " + string.Join("; ", spec.Groups.Select(g => $"{g.Name} ({string.Join(", ", g.Patterns)})").Append("head")));
        console.Out.WriteLine();
        InspectCommand.WriteTable(console.Out, ["phase", "epochs", "trains"],
            PhasePlanner.Plan(spec).Select(p => new[] { p.Name, p.Epochs.ToString(CultureInfo.InvariantCulture), string.Join(", ", p.TrainedGroups) }).ToList());
        console.Out.WriteLine();
        console.Out.WriteLine($"parameters per group and phase: spectune inspect {(spec.Base.Onnx is not null ? file.Resolve(spec.Base.Onnx) : spec.Base.Architecture)} --spec {path}");
        return ExitCodes.Success;
    }

    private static string Kebab(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    private static readonly HashSet<string> LogFields = new(StringComparer.Ordinal) { "phase", "phase_index", "epoch", "step", "lr", "seconds" };

    /// <summary>A metrics log: one row per epoch with every metric it recorded.</summary>
    public static int MetricsLog(CliConsole console, string path)
    {
        var rows = new List<JsonElement>();
        int number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (line.Trim().Length == 0) continue;
            try
            {
                using var json = JsonDocument.Parse(line);
                if (json.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("not an object");
                rows.Add(json.RootElement.Clone());
            }
            catch (JsonException)
            {
                console.Error.WriteLine($"{path}({number},1): error: line {number} of the metrics log is not a JSON object");
                return ExitCodes.Error;
            }
        }
        var metrics = rows.SelectMany(r => r.EnumerateObject().Select(p => p.Name)).Where(n => !LogFields.Contains(n)).Distinct(StringComparer.Ordinal).ToList();
        var phases = rows.Select(r => Text(r, "phase")).Distinct(StringComparer.Ordinal).Count();
        console.Out.WriteLine($"{path}: metrics log, {rows.Count} epochs in {phases} phase{(phases == 1 ? "" : "s")}");
        console.Out.WriteLine();
        InspectCommand.WriteTable(console.Out, ["phase", "epoch", .. metrics, "seconds"],
            rows.Select(r => new[] { Text(r, "phase"), r.TryGetProperty("epoch", out var e) && e.TryGetInt32(out var i) ? (i + 1).ToString(CultureInfo.InvariantCulture) : "?" }
                .Concat(metrics.Select(m => Number(r, m, "0.0000"))).Append(Number(r, "seconds", "0.0")).ToArray()).ToList());
        return ExitCodes.Success;
    }

    private static string Text(JsonElement row, string name) =>
        row.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "?";

    private static string Number(JsonElement row, string name, string format) =>
        row.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble().ToString(format, CultureInfo.InvariantCulture) : "n/a";
}
