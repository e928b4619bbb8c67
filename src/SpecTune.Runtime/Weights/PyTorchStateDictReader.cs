using System.Collections;
using System.IO.Compression;
using Razorvine.Pickle;
using Razorvine.Pickle.Objects;
using static TorchSharp.torch;

namespace SpecTune.Weights;

/// <summary>
/// Reads a <c>torch.save</c> zip archive holding a state dict, as <c>torch.load</c> does: each tensor is a view
/// (offset, shape, strides) of a storage, so channels_last, sliced and strided tensors read correctly and come back
/// contiguous. (TorchSharp.PyBridge's reader copies a storage's bytes into a tensor of the view's shape, which fails
/// for every such view; it still writes PyTorch files, see <see cref="WeightFiles.WritePyTorch"/>.)
/// Unpickling follows only the few globals a state dict needs; anything else is refused, but pickles are code: trusted
/// files only.
/// </summary>
internal static class PyTorchStateDictReader
{
    private static readonly object RegistrationLock = new();

    /// <summary>The archive's named entries in file order: tensors, and whatever else the pickle held.</summary>
    public static List<KeyValuePair<object, object?>> Read(string path)
    {
        using var archive = ZipFile.OpenRead(path);
        var pickle = archive.Entries.FirstOrDefault(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal))
            ?? throw new InvalidDataException("the zip archive has no data.pkl (not a torch.save file)");
        var root = pickle.FullName[..^"data.pkl".Length];
        object? result;
        // Razorvine's constructors are process-wide: ours are set, under a lock, for the read that needs them.
        lock (RegistrationLock)
        {
            Unpickler.registerConstructor("torch._utils", "_rebuild_tensor", new TensorConstructor(legacy: true));
            Unpickler.registerConstructor("torch._utils", "_rebuild_tensor_v2", new TensorConstructor(legacy: false));
            Unpickler.registerConstructor("torch._utils", "_rebuild_parameter", new ParameterConstructor());
            Unpickler.registerConstructor("collections", "OrderedDict", new OrderedDictConstructor());
            using var unpickler = new StorageUnpickler(archive, root);
            using var stream = pickle.Open();
            result = unpickler.load(stream);
        }
        return result switch
        {
            OrderedDict ordered => ordered.Entries,
            // A plain dict (what TorchSharp.PyBridge writes) has no order to keep: ordinal order.
            Hashtable plain => plain.Cast<DictionaryEntry>().OrderBy(e => e.Key.ToString(), StringComparer.Ordinal)
                .Select(e => new KeyValuePair<object, object?>(e.Key, e.Value)).ToList(),
            _ => throw new InvalidDataException($"the pickle holds a {result?.GetType().Name ?? "None"}, not a state dict"),
        };
    }

    /// <summary>A storage named by the pickle's persistent id, read when a tensor views it.</summary>
    private sealed record Storage(ZipArchiveEntry Entry, ScalarType Type);

    private sealed class StorageUnpickler(ZipArchive archive, string root) : Unpickler
    {
        protected override object persistentLoad(object pid)
        {
            // ('storage', torch.FloatStorage, key, location, numel)
            if (pid is not object[] { Length: >= 3 } id || id[0] is not "storage" || id[1] is not ClassDictConstructor type || id[2] is not string key)
                throw new InvalidDataException("a persistent id that is not a tensor storage");
            var entry = archive.GetEntry(root + "data/" + key) ?? throw new InvalidDataException($"storage '{key}' is missing from the archive");
            return new Storage(entry, StorageType(type.name));
        }
    }

    private static ScalarType StorageType(string name) => name switch
    {
        "DoubleStorage" => ScalarType.Float64,
        "FloatStorage" => ScalarType.Float32,
        "HalfStorage" => ScalarType.Float16,
        "BFloat16Storage" => ScalarType.BFloat16,
        "LongStorage" => ScalarType.Int64,
        "IntStorage" => ScalarType.Int32,
        "ShortStorage" => ScalarType.Int16,
        "CharStorage" => ScalarType.Int8,
        "ByteStorage" => ScalarType.Byte,
        "BoolStorage" => ScalarType.Bool,
        _ => throw new InvalidDataException($"unsupported storage type {name}"),
    };

    /// <summary><c>_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks, ...)</c> (or the legacy four arguments).</summary>
    private sealed class TensorConstructor(bool legacy) : IObjectConstructor
    {
        public object construct(object[] args)
        {
            if (args.Length < 4 || args[0] is not Storage storage)
                throw new InvalidDataException($"a tensor with {args.Length} rebuild arguments{(legacy ? " (legacy)" : "")}");
            long offset = Convert.ToInt64(args[1]);
            var shape = ((object[])args[2]).Select(Convert.ToInt64).ToArray();
            var strides = ((object[])args[3]).Select(Convert.ToInt64).ToArray();
            byte[] bytes;
            using (var data = storage.Entry.Open())
            using (var buffer = new MemoryStream())
            {
                data.CopyTo(buffer);
                bytes = buffer.ToArray();
            }
            using var flat = empty(bytes.Length / ElementSize(storage.Type), storage.Type);
            if (bytes.Length > 0) flat.bytes = bytes;
            // The view torch.load would return, copied into memory of its own.
            using var view = flat.as_strided(shape, strides, offset);
            return view.contiguous().clone();
        }
    }

    private sealed class ParameterConstructor : IObjectConstructor
    {
        public object construct(object[] args) => args.Length > 0 && args[0] is Tensor data ? data : throw new InvalidDataException("a parameter without data");
    }

    private static int ElementSize(ScalarType type) => type switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };

    private sealed class OrderedDictConstructor : IObjectConstructor
    {
        public object construct(object[] args) => new OrderedDict();
    }

    /// <summary>collections.OrderedDict as the unpickler fills it (item by item), keeping the order; its state (<c>_metadata</c>) is ignored.</summary>
    private sealed class OrderedDict : Hashtable
    {
        public List<KeyValuePair<object, object?>> Entries { get; } = [];

        public override object? this[object key]
        {
            get => base[key];
            set
            {
                if (!ContainsKey(key)) Entries.Add(new(key, value));
                else Entries[Entries.FindIndex(e => Equals(e.Key, key))] = new(key, value);
                base[key] = value;
            }
        }

        public void __setstate__(Hashtable state) { }
    }
}
