using System.Text;
using System.Text.Json;
using SpecTune.Training;

namespace SpecTune.Cli;

/// <summary>The machine-readable result of <c>spectune train</c> (printed by --json, written by --report).</summary>
internal static class TrainingSummary
{
    public static string ToJson(TrainingReport report, string specPath, double seconds, string? extraOutput)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("spec", report.SpecName);
            json.WriteString("specFile", specPath);
            json.WriteString("specHash", report.SpecHash);
            json.WriteBoolean("cancelled", report.Cancelled);
            WriteStringOrNull(json, "output", extraOutput ?? report.OutputPath);
            WriteStringOrNull(json, "checkpoint", report.CheckpointPath);
            json.WriteNumber("seconds", Math.Round(seconds, 3));
            json.WriteNumber("epochs", report.Epochs.Count);
            json.WriteStartArray("phases");
            foreach (var phase in report.Phases)
            {
                json.WriteStartObject();
                json.WriteString("name", phase.Name);
                json.WriteNumber("epochsRun", phase.EpochsRun);
                json.WriteBoolean("stoppedEarly", phase.StoppedEarly);
                if (phase.BestEpoch is int best) json.WriteNumber("bestEpoch", best); else json.WriteNull("bestEpoch");
                json.WriteNumber("trainableWeights", phase.TrainableWeights);
                json.WriteNumber("frozenWeights", phase.FrozenWeights);
                WriteMetrics(json, "final", phase.Final);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            if (report.Evaluation is { } evaluation)
            {
                json.WriteStartObject("evaluation");
                WriteNumber(json, "loss", evaluation.Loss);
                json.WriteNumber("samples", evaluation.Samples);
                WriteMetrics(json, "metrics", evaluation.Metrics);
                json.WriteEndObject();
            }
            else json.WriteNull("evaluation");
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteMetrics(Utf8JsonWriter json, string name, IReadOnlyDictionary<string, double> metrics)
    {
        json.WriteStartObject(name);
        foreach (var (key, value) in metrics) WriteNumber(json, key, value);
        json.WriteEndObject();
    }

    // JSON has no NaN; a metric that could not be computed is null.
    private static void WriteNumber(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value)) json.WriteNumber(name, value); else json.WriteNull(name);
    }

    private static void WriteStringOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null) json.WriteNull(name); else json.WriteString(name, value);
    }
}
