using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Onnx;

namespace SpecTune.Cli.Commands;

/// <summary>What <c>spectune inspect FILE</c> was given, told by the file's content (the extension only for .dat).</summary>
internal enum InspectedKind { SafeTensors, PyTorch, TorchSharp, Onnx, Spec, MetricsLog }

internal static class InspectedFile
{
    public const string Expected =
        "a safetensors file, a PyTorch zip (.pt/.pth/.bin), a TorchSharp .dat file, an ONNX model, a spec (*.spectune.yaml) or a metrics log (JSON lines)";

    /// <summary>
    /// Zip magic: PyTorch. An 8-byte header length within the file followed by '{': safetensors. UTF-8 text whose first
    /// line is a JSON object: a metrics log; with a top-level <c>spectune:</c> key: a spec. A protobuf ModelProto with a
    /// graph: ONNX. Else the extension .dat: TorchSharp (its format has no magic number). Null: none of them.
    /// </summary>
    public static InspectedKind? Detect(string path)
    {
        var head = new byte[4096];
        long length;
        int read;
        using (var stream = File.OpenRead(path))
        {
            length = stream.Length;
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        var bytes = head.AsSpan(0, read);
        if (read >= 4 && bytes[0] == (byte)'P' && bytes[1] == (byte)'K' && bytes[2] == 3 && bytes[3] == 4) return InspectedKind.PyTorch;
        if (read >= 9 && bytes[8] == (byte)'{' && BinaryPrimitives.ReadUInt64LittleEndian(bytes) <= (ulong)(length - 8)) return InspectedKind.SafeTensors;
        // Logs written by earlier versions start with a UTF-8 byte order mark.
        var textBytes = bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? bytes[3..] : bytes;
        if (AsText(textBytes) is { } text)
        {
            var firstLine = text.TrimStart().Split('\n', 2)[0].Trim();
            if (firstLine.StartsWith('{') && IsJsonObject(firstLine)) return InspectedKind.MetricsLog;
            if (text.Split('\n').Any(line => line.StartsWith("spectune:", StringComparison.Ordinal))) return InspectedKind.Spec;
        }
        if (string.Equals(Path.GetExtension(path), ".dat", StringComparison.OrdinalIgnoreCase)) return InspectedKind.TorchSharp;
        if (read > 0 && bytes[0] == 0x08 && ReadOnnx(path) is not null) return InspectedKind.Onnx;
        return null;
    }

    /// <summary>The model, or null when the file is not a protobuf ModelProto with a graph.</summary>
    public static ModelProto? ReadOnnx(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var model = ModelProto.Parser.ParseFrom(stream);
            return model.Graph is { } graph && (graph.Node.Count > 0 || graph.Initializer.Count > 0) ? model : null;
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return null;
        }
    }

    private static string? AsText(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Contains((byte)0)) return null;
        // A read can end inside a multi-byte character: drop up to 3 trailing bytes before deciding.
        for (int cut = 0; cut <= Math.Min(3, bytes.Length); cut++)
        {
            try { return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes[..^cut]); }
            catch (DecoderFallbackException) { }
        }
        return null;
    }

    private static bool IsJsonObject(string line)
    {
        try
        {
            using var json = JsonDocument.Parse(line);
            return json.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
