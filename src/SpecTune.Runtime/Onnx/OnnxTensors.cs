using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace SpecTune.Onnx;

/// <summary>ONNX TensorProto to and from TorchSharp tensors, external data included.</summary>
internal static class OnnxTensors
{
    private const int Float = 1, UInt8 = 2, Int8 = 3, Int16 = 5, Int32 = 6, Int64 = 7, Bool = 9, Float16 = 10, Double = 11, BFloat16 = 16;

    public static ScalarType ToScalarType(long onnxType, string model, string what) => onnxType switch
    {
        Float => ScalarType.Float32,
        UInt8 => ScalarType.Byte,
        Int8 => ScalarType.Int8,
        Int16 => ScalarType.Int16,
        Int32 => ScalarType.Int32,
        Int64 => ScalarType.Int64,
        Bool => ScalarType.Bool,
        Float16 => ScalarType.Float16,
        Double => ScalarType.Float64,
        BFloat16 => ScalarType.BFloat16,
        _ => throw new OnnxImportException(model, $"{what}: ONNX element type {onnxType} is not supported (float, double, float16, bfloat16, int8/16/32/64, uint8, bool are)"),
    };

    public static int ToOnnxType(ScalarType type) => type switch
    {
        ScalarType.Float32 => Float,
        ScalarType.Byte => UInt8,
        ScalarType.Int8 => Int8,
        ScalarType.Int16 => Int16,
        ScalarType.Int32 => Int32,
        ScalarType.Int64 => Int64,
        ScalarType.Bool => Bool,
        ScalarType.Float16 => Float16,
        ScalarType.Float64 => Double,
        ScalarType.BFloat16 => BFloat16,
        _ => throw new ArgumentException($"{type} has no ONNX element type here."),
    };

    /// <summary>A CPU tensor with the proto's values; external data is read from <paramref name="folder"/> only.</summary>
    public static Tensor ToTensor(TensorProto proto, string model, string? folder)
    {
        var what = $"tensor '{proto.Name}'";
        var type = ToScalarType(proto.DataType, model, what);
        var shape = proto.Dims.ToArray();
        if (shape.Any(d => d < 0)) throw new OnnxImportException(model, $"{what} has a negative dimension");
        long count = shape.Aggregate(1L, (a, b) => checked(a * b));
        int size = ElementSize(type);
        byte[]? raw = null;
        if (proto.DataLocation == TensorProto.Types.DataLocation.External)
            raw = ReadExternal(proto, model, folder, checked(count * size));
        else if (!proto.RawData.IsEmpty)
            raw = proto.RawData.ToByteArray();
        var result = empty(shape, type);
        try
        {
            if (raw is not null)
            {
                if (raw.LongLength != count * size)
                    throw new OnnxImportException(model, $"{what} has {raw.LongLength} bytes of data; {SafeTensorsShape(shape)} of {type} needs {count * size}");
                if (count > 0) result.bytes = raw;
                return result;
            }
            switch (type)
            {
                case ScalarType.Float32: Fill(result, proto.FloatData.Count, count, what, model, () => tensor(proto.FloatData.ToArray())); break;
                case ScalarType.Float64: Fill(result, proto.DoubleData.Count, count, what, model, () => tensor(proto.DoubleData.ToArray())); break;
                case ScalarType.Int64: Fill(result, proto.Int64Data.Count, count, what, model, () => tensor(proto.Int64Data.ToArray())); break;
                case ScalarType.Int32: Fill(result, proto.Int32Data.Count, count, what, model, () => tensor(proto.Int32Data.ToArray())); break;
                default:
                    // int8/16, uint8, bool and 16-bit floats travel in int32_data, one element per entry.
                    if (proto.Int32Data.Count != count)
                        throw new OnnxImportException(model, $"{what} has {proto.Int32Data.Count} values; its shape needs {count}");
                    if (type is ScalarType.Float16 or ScalarType.BFloat16)
                    {
                        var bits = proto.Int32Data.Select(v => (short)v).ToArray();
                        using var asShort = tensor(bits);
                        result.bytes = asShort.bytes;
                    }
                    else
                    {
                        using var asInt = tensor(proto.Int32Data.ToArray());
                        using var converted = asInt.to(type).reshape(shape);
                        result.copy_(converted);
                    }
                    break;
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>A TensorProto holding <paramref name="value"/> as raw little-endian data.</summary>
    public static TensorProto ToProto(string name, Tensor value)
    {
        using var cpu = value.detach().cpu().contiguous();
        var proto = new TensorProto { Name = name, DataType = ToOnnxType(cpu.dtype), RawData = ByteString.CopyFrom(cpu.bytes) };
        proto.Dims.AddRange(cpu.shape);
        return proto;
    }

    private static string SafeTensorsShape(long[] shape) => "[" + string.Join(", ", shape) + "]";

    private static void Fill(Tensor target, long values, long count, string what, string model, Func<Tensor> source)
    {
        if (values != count)
            throw new OnnxImportException(model, $"{what} has {values} values; its shape needs {count}");
        if (count == 0) return;
        using var flat = source();
        using var shaped = flat.reshape(target.shape);
        target.copy_(shaped);
    }

    private static int ElementSize(ScalarType type) => type switch
    {
        ScalarType.Byte or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        _ => 8,
    };

    private static byte[] ReadExternal(TensorProto proto, string model, string? folder, long expected)
    {
        var what = $"tensor '{proto.Name}'";
        if (folder is null) throw new OnnxImportException(model, $"{what} keeps its data in an external file, but the model was not loaded from a folder");
        string? location = null;
        long offset = 0, length = -1;
        foreach (var entry in proto.ExternalData)
        {
            switch (entry.Key)
            {
                case "location": location = entry.Value; break;
                case "offset": offset = long.Parse(entry.Value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "length": length = long.Parse(entry.Value, System.Globalization.CultureInfo.InvariantCulture); break;
            }
        }
        if (string.IsNullOrEmpty(location)) throw new OnnxImportException(model, $"{what}: external data without a location");
        // External files resolve inside the model's folder only: a model must not read arbitrary files.
        var root = Path.GetFullPath(folder);
        var full = Path.GetFullPath(Path.Combine(root, location));
        if (Path.IsPathRooted(location) || !full.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new OnnxImportException(model, $"{what}: external data location '{location}' is outside the model's folder");
        if (!File.Exists(full)) throw new OnnxImportException(model, $"{what}: external data file '{location}' not found");
        if (length < 0) length = expected;
        using var stream = File.OpenRead(full);
        if (offset < 0 || length != expected || offset > stream.Length - length)
            throw new OnnxImportException(model, $"{what}: external data range (offset {offset}, length {length}) does not fit '{location}' ({stream.Length} bytes) or the tensor ({expected} bytes)");
        stream.Position = offset;
        var data = new byte[length];
        stream.ReadExactly(data);
        return data;
    }
}
