using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.Win32.SafeHandles;
using static TorchSharp.torch;

namespace SpecTune.Weights;

/// <summary>Validates a header completely before any tensor is handed out.</summary>
internal static class SafeTensorsHeader
{
    public static (Dictionary<string, SafeTensorInfo>, IReadOnlyDictionary<string, string>) Parse(string path, byte[] header, long dataLength)
    {
        WeightsFormatException Error(string problem) => new(path, problem);

        if (!Utf8.IsValid(header))
            throw Error($"header is not valid UTF-8 (first bad byte at header offset {FirstInvalidUtf8(header)})");
        // The reference implementation insists on '{' first: no BOM, no leading whitespace.
        if (header.Length == 0 || header[0] != (byte)'{')
            throw Error("header does not start with '{'");

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw Error($"header is not valid JSON: {e.Message}");
        }
        using (document)
        {
            // The '{' check above makes the root an object.
            var root = document.RootElement;
            var infos = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
            IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>();
            bool sawMetadata = false;
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name == SafeTensors.MetadataKey)
                {
                    if (sawMetadata)
                        throw Error($"header has two '{SafeTensors.MetadataKey}' entries");
                    sawMetadata = true;
                    metadata = ParseMetadata(property.Value, Error);
                    continue;
                }
                if (infos.ContainsKey(property.Name))
                    throw Error($"header names tensor '{property.Name}' twice");
                infos.Add(property.Name, ParseTensor(property.Name, property.Value, dataLength, Error));
            }
            CheckOverlaps(infos.Values, Error);
            return (infos, metadata);
        }
    }

    private static Dictionary<string, string> ParseMetadata(JsonElement value, Func<string, WeightsFormatException> error)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw error($"'{SafeTensors.MetadataKey}' is a JSON {Kind(value)}, not an object of strings");
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw error($"'{SafeTensors.MetadataKey}' entry '{entry.Name}' is a JSON {Kind(entry.Value)}, not a string");
            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
                throw error($"'{SafeTensors.MetadataKey}' has key '{entry.Name}' twice");
        }
        return metadata;
    }

    private static SafeTensorInfo ParseTensor(string name, JsonElement value, long dataLength, Func<string, WeightsFormatException> error)
    {
        WeightsFormatException Error(string problem) => error($"tensor '{name}': {problem}");

        if (value.ValueKind != JsonValueKind.Object)
            throw Error($"entry is a JSON {Kind(value)}, not an object");
        JsonElement? dtypeValue = null, shapeValue = null, offsetsValue = null;
        foreach (var field in value.EnumerateObject())
        {
            ref JsonElement? slot = ref dtypeValue;
            switch (field.Name)
            {
                case "dtype": slot = ref dtypeValue; break;
                case "shape": slot = ref shapeValue; break;
                case "data_offsets": slot = ref offsetsValue; break;
                default: throw Error($"unknown field '{field.Name}' (expected dtype, shape, data_offsets)");
            }
            if (slot is not null)
                throw Error($"field '{field.Name}' appears twice");
            slot = field.Value;
        }
        if (dtypeValue is not { } dtypeElement)
            throw Error("missing 'dtype'");
        if (shapeValue is not { } shapeElement)
            throw Error("missing 'shape'");
        if (offsetsValue is not { } offsetsElement)
            throw Error("missing 'data_offsets'");

        if (dtypeElement.ValueKind != JsonValueKind.String)
            throw Error($"dtype is a JSON {Kind(dtypeElement)}, not a string");
        var dtype = dtypeElement.GetString()!;
        if (!SafeTensors.TryGetDType(dtype, out var scalarType, out var elementSize))
            throw Error($"unknown dtype '{dtype}' (supported: {SafeTensors.SupportedDTypeList})");

        var shape = ReadIntegers(shapeElement, "shape", Error);
        long elements = 1;
        foreach (var dim in shape)
        {
            if (dim < 0)
                throw Error($"shape {SafeTensors.FormatShape(shape)} has a negative dimension");
        }
        try
        {
            foreach (var dim in shape)
                elements = checked(elements * dim);
            checked { _ = elements * elementSize; }
        }
        catch (OverflowException)
        {
            throw Error($"shape {SafeTensors.FormatShape(shape)} has too many elements");
        }

        var offsets = ReadIntegers(offsetsElement, "data_offsets", Error);
        if (offsets.Length != 2)
            throw Error($"data_offsets has {offsets.Length} numbers, not 2 ([begin, end])");
        var (begin, end) = (offsets[0], offsets[1]);
        var shown = $"data_offsets [{begin}, {end}]";
        if (begin < 0 || end < 0)
            throw Error($"{shown} are negative");
        if (begin > end)
            throw Error($"{shown} begin after they end");
        if (end > dataLength)
            throw Error($"{shown} reach past the end of the data area ({dataLength} bytes; truncated file?)");
        long needed = elements * elementSize;
        if (end - begin != needed)
            throw Error($"{shown} but dtype {dtype} and shape {SafeTensors.FormatShape(shape)} need {needed} bytes");
        return new SafeTensorInfo(name, dtype, scalarType, shape, begin, end);
    }

    private static long[] ReadIntegers(JsonElement value, string field, Func<string, WeightsFormatException> error)
    {
        if (value.ValueKind != JsonValueKind.Array)
            throw error($"{field} is a JSON {Kind(value)}, not an array of integers");
        var numbers = new long[value.GetArrayLength()];
        int i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out numbers[i]))
                throw error($"{field} item {i} ({item.GetRawText()}) is not an integer (or out of the 64-bit range)");
            i++;
        }
        return numbers;
    }

    private static void CheckOverlaps(IEnumerable<SafeTensorInfo> infos, Func<string, WeightsFormatException> error)
    {
        // Empty tensors occupy no bytes, so they overlap nothing wherever their offsets point.
        SafeTensorInfo? previous = null;
        foreach (var info in infos.Where(i => i.ByteLength > 0).OrderBy(i => i.DataBegin).ThenBy(i => i.DataEnd))
        {
            if (previous is not null && info.DataBegin < previous.DataEnd)
                throw error($"tensors '{previous.Name}' [{previous.DataBegin}, {previous.DataEnd}] and '{info.Name}' [{info.DataBegin}, {info.DataEnd}] overlap");
            previous = info;
        }
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => element.ValueKind.ToString(),
    };

    private static int FirstInvalidUtf8(byte[] bytes)
    {
        try
        {
            _ = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetCharCount(bytes);
            return -1;
        }
        catch (DecoderFallbackException e)
        {
            return e.Index;
        }
    }
}
