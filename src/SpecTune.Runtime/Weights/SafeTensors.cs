using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using static TorchSharp.torch;

// The tests shrink the copy chunk size to exercise the chunked paths without 64 MB tensors.

namespace SpecTune.Weights;

/// <summary>
/// The Hugging Face safetensors format: an 8-byte little-endian header length, a JSON header
/// (<c>{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}</c>) padded
/// with spaces to an 8-byte boundary, then the raw little-endian tensor data, offsets relative to
/// the end of the header.
/// </summary>
internal static class SafeTensors
{
    /// <summary>Headers longer than this are refused (the reference implementation's limit).</summary>
    public const long MaxHeaderLength = 100_000_000;

    internal const string MetadataKey = "__metadata__";

    /// <summary>
    /// <see cref="Tensor.bytes"/> is an int-sized span, so tensor data moves between file and
    /// memory in pieces of at most this many bytes (64 MiB; <see cref="UseChunkBytes"/> changes it for one thread).
    /// </summary>
    internal static int ChunkBytes => _chunkBytesOnThisThread ?? 64 << 20;

    [ThreadStatic] private static int? _chunkBytesOnThisThread;

    /// <summary>Small chunks on the calling thread only, until disposed: tests cover many chunks without touching other threads.</summary>
    internal static IDisposable UseChunkBytes(int bytes)
    {
        var previous = _chunkBytesOnThisThread;
        _chunkBytesOnThisThread = bytes;
        return new Restore(() => _chunkBytesOnThisThread = previous);
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }

    /// <summary>The dtypes SpecTune reads and writes: the safetensors name, TorchSharp type and element size.</summary>
    internal static readonly IReadOnlyList<(string Name, ScalarType Type, int Size)> DTypes =
    [
        ("F32", ScalarType.Float32, 4),
        ("F64", ScalarType.Float64, 8),
        ("F16", ScalarType.Float16, 2),
        ("BF16", ScalarType.BFloat16, 2),
        ("I64", ScalarType.Int64, 8),
        ("I32", ScalarType.Int32, 4),
        ("I16", ScalarType.Int16, 2),
        ("I8", ScalarType.Int8, 1),
        ("U8", ScalarType.Byte, 1),
        ("BOOL", ScalarType.Bool, 1),
    ];

    internal static string SupportedDTypeList => string.Join(", ", DTypes.Select(d => d.Name));

    internal static bool TryGetDType(string name, out ScalarType type, out int size)
    {
        foreach (var d in DTypes)
        {
            if (d.Name == name)
            {
                (type, size) = (d.Type, d.Size);
                return true;
            }
        }
        (type, size) = (default, 0);
        return false;
    }

    internal static bool TryGetDType(ScalarType type, out string name, out int size)
    {
        foreach (var d in DTypes)
        {
            if (d.Type == type)
            {
                (name, size) = (d.Name, d.Size);
                return true;
            }
        }
        (name, size) = ("", 0);
        return false;
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/> in name order. The file is
    /// written to a temporary file in the same folder, flushed to disk and renamed over the target,
    /// so the target is either the old file or the complete new one, never a partial write.
    /// The tensors may live on any device and be non-contiguous; they are not modified.
    /// </summary>
    /// <exception cref="ArgumentException">A name is duplicated or reserved, or a dtype is not supported.</exception>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        EnsureLittleEndian();

        var entries = new List<WriteEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
        {
            if (name is null)
                throw new ArgumentException("A tensor name is null.", nameof(tensors));
            if (name == MetadataKey)
                throw new ArgumentException($"'{MetadataKey}' is reserved for the metadata and cannot name a tensor.", nameof(tensors));
            if (!seen.Add(name))
                throw new ArgumentException($"Tensor name '{name}' appears twice.", nameof(tensors));
            ArgumentNullException.ThrowIfNull(tensor, $"tensors['{name}']");
            if (!TryGetDType(tensor.dtype, out var dtype, out var size))
                throw new ArgumentException($"Tensor '{name}' has dtype {tensor.dtype}, which SpecTune cannot store in safetensors (supported: {SupportedDTypeList}).", nameof(tensors));
            var shape = tensor.shape;
            entries.Add(new WriteEntry(name, tensor, dtype, size, shape, checked(tensor.numel() * size)));
        }
        if (metadata is not null)
        {
            foreach (var (key, value) in metadata)
            {
                if (key is null || value is null)
                    throw new ArgumentException("Metadata keys and values must not be null.", nameof(metadata));
            }
        }
        entries.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));

        var header = BuildHeader(entries, metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            stream.Write(prefix);
            stream.Write(header);
            foreach (var entry in entries)
                WriteData(stream, entry);
        });
    }

    /// <summary>
    /// Opens <paramref name="path"/> and validates its header; tensor data is read on demand.
    /// </summary>
    /// <exception cref="WeightsFormatException">The file is not a well-formed safetensors file.</exception>
    public static SafeTensorsFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        EnsureLittleEndian();
        return SafeTensorsFile.Open(path);
    }

    internal static void EnsureLittleEndian()
    {
        // Tensor bytes are copied as they lie in memory; safetensors data is little-endian.
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors I/O needs a little-endian machine.");
    }

    internal static string FormatShape(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";

    private sealed record WriteEntry(string Name, Tensor Tensor, string DType, int ElementSize, long[] Shape, long ByteLength);

    private static byte[] BuildHeader(List<WriteEntry> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        // Relaxed escaping keeps non-ASCII names readable; the output is still valid JSON.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is not null)
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                    json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var entry in entries)
            {
                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", entry.DType);
                json.WriteStartArray("shape");
                foreach (var dim in entry.Shape)
                    json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + entry.ByteLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += entry.ByteLength;
            }
            json.WriteEndObject();
        }
        // Pad with spaces so the data starts on an 8-byte boundary (8-byte prefix + header).
        var length = (buffer.WrittenCount + 7) / 8 * 8;
        var header = new byte[length];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static void WriteData(Stream stream, WriteEntry entry)
    {
        if (entry.ByteLength == 0)
            return;
        using var scope = NewDisposeScope();
        var flat = entry.Tensor.detach().to(CPU).contiguous().reshape(-1);
        long count = flat.numel();
        long perChunk = Math.Max(1, ChunkBytes / entry.ElementSize);
        long written = 0;
        for (long start = 0; start < count; start += perChunk)
        {
            using var part = flat.narrow(0, start, Math.Min(perChunk, count - start));
            var bytes = part.bytes;
            stream.Write(bytes);
            written += bytes.Length;
        }
        // Guards the header's promise: the offsets were computed from numel * element size.
        if (written != entry.ByteLength)
            throw new InvalidOperationException($"Tensor '{entry.Name}' produced {written} bytes, expected {entry.ByteLength}.");
    }
}
