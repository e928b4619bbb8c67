using System.Text;
using System.Text.Json;

namespace SpecTune.Training;

/// <summary>
/// Appends one JSON object per epoch to a JSON-lines file:
/// {"phase":"head-only","phase_index":0,"epoch":0,"step":10,"train-loss":0.61,"val-loss":0.55,
///  "val-accuracy":0.78,"lr":{"head":0.001},"seconds":1.9}. Each line is flushed as written, so a killed
/// run keeps every finished epoch.
/// </summary>
internal sealed class MetricsLog
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);
    private readonly string _path;

    /// <summary>Logs to <paramref name="path"/>; a fresh run truncates it, a resumed run appends.</summary>
    public MetricsLog(string path, bool append)
    {
        _path = path;
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        if (!append) File.WriteAllText(path, "");
    }

    /// <summary>Replaces the log at <paramref name="path"/> with <paramref name="epochs"/>' lines (atomically) and returns it for appending.</summary>
    public static MetricsLog Rewrite(string path, IEnumerable<EpochResult> epochs)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp";
        File.WriteAllText(temp, string.Concat(epochs.Select(e => Format(e) + "\n")), Utf8NoBom);
        File.Move(temp, full, overwrite: true);
        return new MetricsLog(full, append: true);
    }

    /// <summary>Writes one epoch's line (UTF-8, no byte-order mark).</summary>
    public void Append(EpochResult epoch)
    {
        File.AppendAllText(_path, Format(epoch) + "\n", Utf8NoBom);
    }

    /// <summary>The JSON line for <paramref name="epoch"/> (non-finite numbers are written as null).</summary>
    public static string Format(EpochResult epoch)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("phase", epoch.Phase);
            json.WriteNumber("phase_index", epoch.PhaseIndex);
            json.WriteNumber("epoch", epoch.Epoch);
            json.WriteNumber("step", epoch.GlobalStep);
            foreach (var (name, value) in epoch.Metrics) WriteNumber(json, name, value);
            json.WriteStartObject("lr");
            foreach (var (group, rate) in epoch.LearningRates) WriteNumber(json, group, rate);
            json.WriteEndObject();
            json.WriteNumber("seconds", Math.Round(epoch.Seconds, 3));
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Reads a metrics log back (for reports and tests).</summary>
    public static IReadOnlyList<JsonElement> Read(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    private static void WriteNumber(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value)) json.WriteNumber(name, value);
        else json.WriteNull(name);
    }
}
