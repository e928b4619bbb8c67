using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.Win32.SafeHandles;
using static TorchSharp.torch;

namespace SpecTune.Weights;

/// <summary>Where a tensor lies in a safetensors file and what it is, known without reading its data.</summary>
/// <param name="Name">The tensor's name in the header.</param>
/// <param name="DType">The safetensors dtype name (F32, BF16, ...).</param>
/// <param name="ScalarType">The matching TorchSharp element type.</param>
/// <param name="Shape">The dimensions; empty for a scalar.</param>
/// <param name="DataBegin">Offset of the first byte, relative to the start of the data area.</param>
/// <param name="DataEnd">Offset one past the last byte, relative to the start of the data area.</param>
internal sealed record SafeTensorInfo(string Name, string DType, ScalarType ScalarType, IReadOnlyList<long> Shape, long DataBegin, long DataEnd)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
    public long ByteLength => DataEnd - DataBegin;
}

/// <summary>
/// An open safetensors file whose header has been validated. Tensors are read on demand; each
/// returned tensor is a new CPU tensor that the caller owns and disposes.
/// </summary>
internal sealed class SafeTensorsFile : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafeTensorInfo> _infos;

    private SafeTensorsFile(string path, SafeFileHandle handle, long dataStart,
        Dictionary<string, SafeTensorInfo> infos, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        _handle = handle;
        _dataStart = dataStart;
        _infos = infos;
        Metadata = metadata;
        Names = infos.Keys.Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The file, as given to <see cref="SafeTensors.Read"/>.</summary>
    public string Path { get; }

    /// <summary>Tensor names in ordinal order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The header's <c>__metadata__</c>; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public bool Contains(string name) => _infos.ContainsKey(name);

    /// <summary>The dtype, shape and location of tensor <paramref name="name"/>, without loading it.</summary>
    /// <exception cref="KeyNotFoundException">The file has no such tensor.</exception>
    public SafeTensorInfo TensorInfo(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _infos.TryGetValue(name, out var info)
            ? info
            : throw new KeyNotFoundException($"{Path}: no tensor named '{name}'.");
    }

    /// <summary>Reads tensor <paramref name="name"/> into a new CPU tensor owned by the caller.</summary>
    /// <exception cref="KeyNotFoundException">The file has no such tensor.</exception>
    /// <exception cref="WeightsFormatException">The data does not fit its dtype (a BOOL byte other than 0 or 1) or the file shrank.</exception>
    public Tensor Get(string name)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        var info = TensorInfo(name);
        var tensor = empty(info.Shape.ToArray(), info.ScalarType);
        try
        {
            if (info.ByteLength > 0)
                ReadInto(tensor, info);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>Reads every tensor. On failure the tensors already read are disposed.</summary>
    public Dictionary<string, Tensor> ReadAll()
    {
        var all = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var name in Names)
                all.Add(name, Get(name));
            return all;
        }
        catch
        {
            foreach (var tensor in all.Values)
                tensor.Dispose();
            throw;
        }
    }

    public void Dispose() => _handle.Dispose();

    private void ReadInto(Tensor tensor, SafeTensorInfo info)
    {
        SafeTensors.TryGetDType(info.DType, out _, out var size);
        using var flat = tensor.reshape(-1);
        long count = flat.numel();
        long perChunk = Math.Max(1, SafeTensors.ChunkBytes / size);
        long position = _dataStart + info.DataBegin;
        for (long start = 0; start < count; start += perChunk)
        {
            using var part = flat.narrow(0, start, Math.Min(perChunk, count - start));
            var bytes = part.bytes;
            while (bytes.Length > 0)
            {
                int read = RandomAccess.Read(_handle, bytes, position);
                if (read == 0)
                    throw new WeightsFormatException(Path, $"tensor '{info.Name}': the file ended at byte {position} while reading its data (was it truncated after opening?)");
                if (info.ScalarType == ScalarType.Bool && bytes[..read].IndexOfAnyExcept((byte)0, (byte)1) is var bad and >= 0)
                    throw new WeightsFormatException(Path, $"tensor '{info.Name}': BOOL byte at file offset {position + bad} is {bytes[bad]}, not 0 or 1");
                position += read;
                bytes = bytes[read..];
            }
        }
    }

    internal static SafeTensorsFile Open(string path)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            long fileLength = RandomAccess.GetLength(handle);
            if (fileLength < 8)
                throw new WeightsFormatException(path, $"file is {fileLength} bytes long; a safetensors file starts with an 8-byte header length");
            Span<byte> prefix = stackalloc byte[8];
            ReadExactly(handle, prefix, 0, path);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLength > SafeTensors.MaxHeaderLength)
                throw new WeightsFormatException(path, $"header length {headerLength} exceeds the limit of {SafeTensors.MaxHeaderLength} bytes");
            if ((long)headerLength > fileLength - 8)
                throw new WeightsFormatException(path, $"header length {headerLength} exceeds the {fileLength - 8} bytes that follow the length prefix (truncated file?)");
            var header = new byte[headerLength];
            ReadExactly(handle, header, 8, path);
            long dataLength = fileLength - 8 - (long)headerLength;
            var (infos, metadata) = SafeTensorsHeader.Parse(path, header, dataLength);
            return new SafeTensorsFile(path, handle, 8 + (long)headerLength, infos, metadata);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long position, string path)
    {
        while (buffer.Length > 0)
        {
            int read = RandomAccess.Read(handle, buffer, position);
            if (read == 0)
                throw new WeightsFormatException(path, $"the file ended at byte {position} while reading the header");
            position += read;
            buffer = buffer[read..];
        }
    }
}
