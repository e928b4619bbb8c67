using System.Collections;
using System.Text;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SpecTune.Weights;

/// <summary>The weight file formats SpecTune reads.</summary>
internal enum WeightFileFormat
{
    /// <summary>Hugging Face safetensors: validated header, no code execution.</summary>
    SafeTensors,

    /// <summary>
    /// A PyTorch state dict written by <c>torch.save</c> (zip archive with a pickle, .pt/.pth/.bin).
    /// Pickles can describe arbitrary objects: load only files you trust.
    /// </summary>
    PyTorch,

    /// <summary>TorchSharp's own format (<c>Module.save</c>, .dat): LEB128 counts, names, dtype, shape, raw data.</summary>
    TorchSharp,
}

/// <summary>Reads and writes name-to-tensor weight files in every <see cref="WeightFileFormat"/>.</summary>
internal static class WeightFiles
{
    /// <summary>
    /// Tells the format by the file's first bytes: a zip archive ("PK\x03\x04") is a PyTorch file, an 8-byte
    /// length followed by '{' is safetensors; TorchSharp's format has no magic number, so it is told by the
    /// extension .dat.
    /// </summary>
    /// <exception cref="WeightsFormatException">The file is none of them.</exception>
    public static WeightFileFormat DetectFormat(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Weights file not found: {path}", path);
        Span<byte> head = stackalloc byte[9];
        int read;
        using (var stream = File.OpenRead(path))
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (read >= 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4)
            return WeightFileFormat.PyTorch;
        if (read == 9 && head[8] == (byte)'{')
            return WeightFileFormat.SafeTensors;
        if (string.Equals(System.IO.Path.GetExtension(path), ".dat", StringComparison.OrdinalIgnoreCase))
            return WeightFileFormat.TorchSharp;
        if (read >= 2 && head[0] == 0x80 && head[1] <= 5)
            throw new WeightsFormatException(path,
                "a bare pickle (PyTorch's legacy format before 1.6); save it again with torch.save(state_dict, path) in the zip format, or as safetensors");
        throw new WeightsFormatException(path, "not a safetensors file, a PyTorch zip archive or a TorchSharp .dat file");
    }

    /// <summary>
    /// Reads every tensor of a weight file (CPU tensors the caller disposes), whatever its format.
    /// PyTorch files are unpickled by TorchSharp.PyBridge: trusted files only.
    /// </summary>
    /// <exception cref="WeightsFormatException">The file is malformed or holds something other than a flat state dict.</exception>
    public static Dictionary<string, Tensor> Read(string path)
    {
        var format = DetectFormat(path);
        switch (format)
        {
            case WeightFileFormat.SafeTensors:
                using (var file = SafeTensors.Read(path)) return file.ReadAll();
            case WeightFileFormat.PyTorch:
                return ReadPyTorch(path);
            default:
                return ReadTorchSharp(path);
        }
    }

    /// <summary>Writes <paramref name="tensors"/> as a PyTorch state dict that <c>torch.load</c> reads, atomically.</summary>
    public static void WritePyTorch(string path, IReadOnlyDictionary<string, Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var dict = new Hashtable();
        foreach (var (name, tensor) in tensors) dict[name] = tensor.detach().cpu();
        try
        {
            AtomicFile.Write(path, stream => PyTorchPickler.PickleStateDict(stream, dict, leaveOpen: true));
        }
        finally
        {
            foreach (var (name, tensor) in tensors)
                if (!ReferenceEquals(dict[name], tensor)) ((Tensor)dict[name]!).Dispose();
        }
    }

    /// <summary>Writes <paramref name="tensors"/> in TorchSharp's format (what <c>Module.load</c> reads), atomically.</summary>
    public static void WriteTorchSharp(string path, IReadOnlyDictionary<string, Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            Leb128(writer, tensors.Count);
            foreach (var (name, tensor) in tensors)
            {
                writer.Write(name);   // 7-bit length prefix (LEB128) then UTF-8, as TorchSharp writes it
                if (!TorchSharpTypeSizes.ContainsKey(tensor.dtype))
                    throw new ArgumentException($"Tensor '{name}' has dtype {tensor.dtype}, which TorchSharp's format does not store here.", nameof(tensors));
                Leb128(writer, (long)tensor.dtype);
                Leb128(writer, tensor.dim());
                foreach (var d in tensor.shape) Leb128(writer, d);
                using var cpu = tensor.detach().cpu().contiguous();
                writer.Write(cpu.bytes);
            }
        });
    }

    private static Dictionary<string, Tensor> ReadPyTorch(string path)
    {
        List<KeyValuePair<object, object?>> table;
        try
        {
            table = PyTorchStateDictReader.Read(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new WeightsFormatException(path, "not a readable PyTorch state dict: " + e.Message, e);
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var entry in table)
        {
            if (entry.Key is string name && entry.Value is Tensor tensor) result[name] = tensor;
            else problems.Add($"{entry.Key} ({entry.Value?.GetType().Name ?? "null"})");
        }
        if (problems.Count > 0)
        {
            foreach (var t in result.Values) t.Dispose();
            throw new WeightsFormatException(path,
                "holds entries that are not named tensors (save model.state_dict(), not the model or a checkpoint dict): " + string.Join(", ", problems.Take(5)));
        }
        return result;
    }

    // TorchSharp's ScalarType codes and element sizes; bool is stored as one byte per element.
    private static readonly Dictionary<ScalarType, int> TorchSharpTypeSizes = new()
    {
        [ScalarType.Byte] = 1, [ScalarType.Int8] = 1, [ScalarType.Int16] = 2, [ScalarType.Int32] = 4, [ScalarType.Int64] = 8,
        [ScalarType.Float16] = 2, [ScalarType.Float32] = 4, [ScalarType.Float64] = 8, [ScalarType.Bool] = 1, [ScalarType.BFloat16] = 2,
    };

    private static Dictionary<string, Tensor> ReadTorchSharp(string path)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            long length = stream.Length;
            long count = ReadLeb128(reader, path);
            // Every entry takes at least 4 bytes, so a count above that is damage, not a big file.
            if (count < 0 || count > length / 4) throw new WeightsFormatException(path, $"tensor count {count} does not fit a file of {length} bytes");
            for (long i = 0; i < count; i++)
            {
                long nameLength = ReadLeb128(reader, path);
                if (nameLength < 0 || nameLength > 65536 || nameLength > length - stream.Position)
                    throw new WeightsFormatException(path, $"entry {i}: name length {nameLength} is out of range");
                var name = Encoding.UTF8.GetString(reader.ReadBytes((int)nameLength));
                var type = (ScalarType)ReadLeb128(reader, path);
                if (!TorchSharpTypeSizes.TryGetValue(type, out var size))
                    throw new WeightsFormatException(path, $"'{name}': unsupported element type code {(int)type}");
                long rank = ReadLeb128(reader, path);
                if (rank < 0 || rank > 16) throw new WeightsFormatException(path, $"'{name}': rank {rank} is out of range");
                var shape = new long[rank];
                long elements = 1;
                for (int d = 0; d < rank; d++)
                {
                    shape[d] = ReadLeb128(reader, path);
                    if (shape[d] < 0) throw new WeightsFormatException(path, $"'{name}': negative dimension");
                    elements = shape[d] == 0 ? 0 : elements > long.MaxValue / shape[d] ? long.MaxValue : elements * shape[d];
                }
                if (elements > (length - stream.Position) / size)
                    throw new WeightsFormatException(path, $"'{name}': {SafeTensors.FormatShape(shape)} needs more bytes than the file has left");
                if (!result.TryAdd(name, LoadData(reader, type, shape, elements * size)))
                    throw new WeightsFormatException(path, $"'{name}' appears twice");
            }
            if (stream.Position != length)
                throw new WeightsFormatException(path, $"{length - stream.Position} bytes follow the last tensor");
            return result;
        }
        catch (Exception e)
        {
            foreach (var t in result.Values) t.Dispose();
            if (e is EndOfStreamException) throw new WeightsFormatException(path, "the file ends inside a tensor", e);
            throw;
        }
    }

    private static Tensor LoadData(BinaryReader reader, ScalarType type, long[] shape, long bytes)
    {
        var tensor = empty(shape, type);
        if (bytes == 0) return tensor;
        var data = reader.ReadBytes(checked((int)bytes));
        if (data.Length != bytes) { tensor.Dispose(); throw new EndOfStreamException(); }
        tensor.bytes = data;
        return tensor;
    }

    private static long ReadLeb128(BinaryReader reader, string path)
    {
        long value = 0;
        for (int shift = 0; shift < 63; shift += 7)
        {
            byte b = reader.ReadByte();
            value |= (long)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new WeightsFormatException(path, "a LEB128 number is longer than 9 bytes");
    }

    private static void Leb128(BinaryWriter writer, long value)
    {
        ulong v = (ulong)value;
        do
        {
            byte b = (byte)(v & 0x7f);
            v >>= 7;
            writer.Write(v != 0 ? (byte)(b | 0x80) : b);
        } while (v != 0);
    }
}
