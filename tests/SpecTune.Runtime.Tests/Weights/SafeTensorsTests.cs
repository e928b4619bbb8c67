using System.Buffers.Binary;
using System.Text;
using SpecTune.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Tests.Weights;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>One tensor of every supported dtype, plus the shapes that trip writers up.</summary>
    private static Dictionary<string, Tensor> SampleTensors()
    {
        using var g = new Generator(7);
        using var source = randn(new long[] { 3, 4 }, generator: g);
        return new Dictionary<string, Tensor>
        {
            ["f32"] = source.clone(),
            ["f64"] = source.to(float64),
            ["f16"] = source.to(float16),
            ["bf16"] = source.to(bfloat16),
            ["i64"] = arange(-5, 7, dtype: int64).reshape(3, 4) * 1_000_000_000_000L,
            ["i32"] = arange(-6, 6, dtype: int32),
            ["i16"] = tensor(new short[] { short.MinValue, -1, 0, short.MaxValue }),
            ["i8"] = tensor(new sbyte[] { sbyte.MinValue, -1, 0, sbyte.MaxValue }),
            ["u8"] = arange(0, 256, dtype: uint8),
            ["bool"] = tensor(new[] { true, false, false, true }),
            ["scalar"] = tensor(2.5f),
            ["empty"] = zeros(0, 3),
            // A transposed view: the writer must copy it contiguously, not dump its storage.
            ["z.transposed"] = source.t(),
        };
    }

    [Fact]
    public void Every_dtype_and_the_metadata_round_trip_exactly()
    {
        var path = _folder.File("all.safetensors");
        var tensors = SampleTensors();
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode ✓" };
        try
        {
            SafeTensors.Write(path, tensors, metadata);

            using var file = SafeTensors.Read(path);
            Assert.Equal(tensors.Keys.Order(StringComparer.Ordinal), file.Names);
            Assert.Equal(metadata, file.Metadata);
            foreach (var (name, expected) in tensors)
            {
                using var actual = file.Get(name);
                Assert.True(TensorAssert.Identical(expected, actual), $"tensor '{name}' differs after the round trip");
            }
        }
        finally
        {
            foreach (var t in tensors.Values)
                t.Dispose();
        }
    }

    [Fact]
    public void TensorInfo_gives_dtype_shape_and_offsets_in_name_order()
    {
        var path = _folder.File("info.safetensors");
        using var b = zeros(new long[] { 3, 4 }, dtype: bfloat16);
        using var a = zeros(new long[] { 5 }, dtype: int64);
        SafeTensors.Write(path, new Dictionary<string, Tensor> { ["b"] = b, ["a"] = a }, null);

        using var file = SafeTensors.Read(path);
        var infoA = file.TensorInfo("a");
        var infoB = file.TensorInfo("b");
        Assert.Equal(("I64", ScalarType.Int64, "[5]", 0L, 40L), (infoA.DType, infoA.ScalarType, "[" + string.Join(",", infoA.Shape) + "]", infoA.DataBegin, infoA.DataEnd));
        Assert.Equal(("BF16", ScalarType.BFloat16, "[3,4]", 40L, 64L), (infoB.DType, infoB.ScalarType, "[" + string.Join(",", infoB.Shape) + "]", infoB.DataBegin, infoB.DataEnd));
        Assert.Empty(file.Metadata);
        var missing = Assert.Throws<KeyNotFoundException>(() => file.TensorInfo("c"));
        Assert.Contains("'c'", missing.Message);
    }

    [Fact]
    public void Writer_output_matches_the_published_layout_byte_for_byte()
    {
        var path = _folder.File("exact.safetensors");
        using var x = tensor(new[] { 1.0f, -2.0f });
        SafeTensors.Write(path, new Dictionary<string, Tensor> { ["x"] = x }, new Dictionary<string, string> { ["k"] = "v" });

        var json = "{\"__metadata__\":{\"k\":\"v\"},\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        var padded = json.PadRight((json.Length + 7) / 8 * 8, ' ');
        var expected = new List<byte>();
        expected.AddRange(BitConverter.GetBytes((ulong)padded.Length));
        expected.AddRange(Encoding.UTF8.GetBytes(padded));
        expected.AddRange(new byte[] { 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0 });
        Assert.Equal(expected.ToArray(), File.ReadAllBytes(path));
        Assert.Equal(0, (8 + padded.Length) % 8);
    }

    [Fact]
    public void A_file_written_by_hand_per_the_specification_reads_correctly()
    {
        // Unpadded header, tensors out of name order and out of offset order, as other writers may do.
        var header = "{\"b\":{\"dtype\":\"I16\",\"shape\":[1,2],\"data_offsets\":[8,12]}," +
                     "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}," +
                     "\"h\":{\"dtype\":\"F16\",\"shape\":[],\"data_offsets\":[12,14]}," +
                     "\"w\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[14,16]}," +
                     "\"__metadata__\":{\"format\":\"pt\"}}";
        var data = new byte[]
        {
            0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0xC0, // F32 1.5, -2.0
            0x02, 0x01, 0xFF, 0xFF,                         // I16 258, -1
            0x00, 0x3C,                                     // F16 1.0
            0x40, 0xC0,                                     // BF16 -3.0
        };
        var path = _folder.File("hand.safetensors");
        File.WriteAllBytes(path, Build(header, data));

        using var file = SafeTensors.Read(path);
        Assert.Equal(new[] { "a", "b", "h", "w" }, file.Names);
        Assert.Equal("pt", file.Metadata["format"]);
        using var a = file.Get("a");
        using var b = file.Get("b");
        using var h = file.Get("h");
        using var w = file.Get("w");
        Assert.Equal(new[] { 1.5f, -2.0f }, a.data<float>().ToArray());
        Assert.Equal(new long[] { 1, 2 }, b.shape);
        Assert.Equal(new short[] { 258, -1 }, b.data<short>().ToArray());
        Assert.Empty(h.shape);
        Assert.Equal(1.0f, h.to(float32).item<float>());
        Assert.Equal(-3.0f, w.to(float32).item<float>());
    }

    [Fact]
    public void Large_tensors_move_in_chunks_without_corruption()
    {
        var path = _folder.File("chunks.safetensors");
        // 3 floats or 1 double per chunk: many chunks, one partial at the end. On this thread only, so tests running
        // in parallel keep the real chunk size.
        using (SafeTensors.UseChunkBytes(12))
        {
            Assert.Equal(12, SafeTensors.ChunkBytes);
            int elsewhere = 0;
            var other = new Thread(() => elsewhere = SafeTensors.ChunkBytes);
            other.Start();
            other.Join();
            Assert.Equal(64 << 20, elsewhere);
            using var f = arange(0, 1000, dtype: float32).reshape(10, 100);
            using var d = arange(0, 7, dtype: float64);
            SafeTensors.Write(path, new Dictionary<string, Tensor> { ["f"] = f, ["d"] = d.t() }, null);
            using var file = SafeTensors.Read(path);
            using var f2 = file.Get("f");
            using var d2 = file.Get("d");
            Assert.True(TensorAssert.Identical(f, f2));
            Assert.True(TensorAssert.Identical(d, d2));
        }
        Assert.Equal(64 << 20, SafeTensors.ChunkBytes);
    }

    [Fact]
    public void ReadAll_returns_every_tensor()
    {
        var path = _folder.File("all.safetensors");
        using var a = ones(2);
        using var b = zeros(3, dtype: int32);
        SafeTensors.Write(path, new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b }, null);
        using var file = SafeTensors.Read(path);
        var all = file.ReadAll();
        try
        {
            Assert.Equal(new[] { "a", "b" }, all.Keys.Order());
            Assert.True(TensorAssert.Identical(a, all["a"]));
            Assert.True(TensorAssert.Identical(b, all["b"]));
        }
        finally
        {
            foreach (var t in all.Values)
                t.Dispose();
        }
    }

    [Fact]
    public void Writing_rejects_duplicate_reserved_and_unsupported_names_and_dtypes()
    {
        var path = _folder.File("bad.safetensors");
        using var t = ones(1);
        using var complex = zeros(new long[] { 1 }, dtype: complex64);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, new[] { Pair("a", t), Pair("a", t) })).Message);
        Assert.Contains("reserved", Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, new[] { Pair("__metadata__", t) })).Message);
        Assert.Contains("ComplexFloat32", Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, new[] { Pair("c", complex) })).Message);
        Assert.Empty(_folder.Entries());
    }

    [Fact]
    public void A_failure_in_the_middle_of_writing_leaves_the_old_file_intact()
    {
        var path = _folder.File("model.safetensors");
        using var good = arange(0, 10, dtype: float32);
        SafeTensors.Write(path, new[] { Pair("w", good) });
        var before = File.ReadAllBytes(path);

        // A meta tensor has a dtype and shape, so the header is written, but no data to copy:
        // the write fails after the temporary file already holds part of the output.
        using var meta = empty(new long[] { 1000 }, device: new Device(DeviceType.META));
        Assert.ThrowsAny<Exception>(() => SafeTensors.Write(path, new[] { Pair("a", good), Pair("b", meta) }));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(new[] { "model.safetensors" }, _folder.Entries());

        // An enumeration that breaks off is refused before anything reaches the disk.
        IEnumerable<KeyValuePair<string, Tensor>> Broken()
        {
            yield return Pair("a", good);
            throw new InvalidOperationException("source failed");
        }
        Assert.Throws<InvalidOperationException>(() => SafeTensors.Write(path, Broken()));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(new[] { "model.safetensors" }, _folder.Entries());
    }

    public static TheoryData<string, string> MalformedHeaders() => new()
    {
        { "{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[3,4],\"data_offsets\":[0,40]}}",
          "tensor 'fc.weight': data_offsets [0, 40] but dtype F32 and shape [3, 4] need 48 bytes" },
        { "{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],\"data_offsets\":[0,4]}}",
          "tensor 'a': unknown dtype 'F8_E4M3' (supported: F32, F64, F16, BF16, I64, I32, I16, I8, U8, BOOL)" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1,4],\"data_offsets\":[0,16]}}",
          "tensor 'a': shape [-1, 4] has a negative dimension" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}",
          "tensor 'a': shape item 0 (2.5) is not an integer (or out of the 64-bit range)" },
        { "{\"a\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}",
          "tensor 'a': shape [4294967296, 4294967296] has too many elements" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[24],\"data_offsets\":[0,96]}}",
          "tensor 'a': data_offsets [0, 96] reach past the end of the data area (48 bytes; truncated file?)" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}",
          "tensor 'a': data_offsets [8, 0] begin after they end" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,16]}}",
          "tensor 'a': data_offsets has 3 numbers, not 2 ([begin, end])" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}",
          "tensors 'a' [0, 16] and 'b' [8, 24] overlap" },
        { "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,16]}}",
          "tensor 'a': missing 'shape'" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16],\"align\":8}}",
          "tensor 'a': unknown field 'align' (expected dtype, shape, data_offsets)" },
        { "{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}",
          "tensor 'a': field 'dtype' appears twice" },
        { "{\"a\":[1,2]}",
          "tensor 'a': entry is a JSON array, not an object" },
        { "{\"a\":{\"dtype\":32,\"shape\":[4],\"data_offsets\":[0,16]}}",
          "tensor 'a': dtype is a JSON number, not a string" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[16,32]}}",
          "header names tensor 'a' twice" },
        { "{\"__metadata__\":[\"x\"]}",
          "'__metadata__' is a JSON array, not an object of strings" },
        { "{\"__metadata__\":{\"epoch\":3}}",
          "'__metadata__' entry 'epoch' is a JSON number, not a string" },
        { "{\"a\":{\"dtype\":\"F32\",",
          "header is not valid JSON" },
        { " {}",
          "header does not start with '{'" },
        { "[]",
          "header does not start with '{'" },
    };

    [Theory]
    [MemberData(nameof(MalformedHeaders))]
    public void A_malformed_header_is_a_WeightsFormatException_that_names_the_file_and_the_problem(string header, string expected)
    {
        var path = _folder.File("bad.safetensors");
        File.WriteAllBytes(path, Build(header, new byte[48]));
        var error = Assert.Throws<WeightsFormatException>(() => SafeTensors.Read(path).Dispose());
        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.Equal(path, error.Path);
    }

    [Fact]
    public void Broken_length_prefixes_encodings_and_data_are_WeightsFormatExceptions()
    {
        var path = _folder.File("bad.safetensors");
        string Problem(byte[] bytes)
        {
            File.WriteAllBytes(path, bytes);
            return Assert.Throws<WeightsFormatException>(() =>
            {
                using var file = SafeTensors.Read(path);
                file.ReadAll();
            }).Problem;
        }

        Assert.Equal("file is 5 bytes long; a safetensors file starts with an 8-byte header length", Problem(new byte[5]));

        var tooLong = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(tooLong, 100_000_001);
        Assert.Equal("header length 100000001 exceeds the limit of 100000000 bytes", Problem(tooLong));

        var pastEnd = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(pastEnd, 9);
        Assert.Equal("header length 9 exceeds the 8 bytes that follow the length prefix (truncated file?)", Problem(pastEnd));

        var notUtf8 = Build("{\"a\xFF\":{}}", []);
        notUtf8[8 + 3] = 0xFF; // Build encoded U+00FF as two bytes; make the first one invalid on its own
        Assert.StartsWith("header is not valid UTF-8 (first bad byte at header offset 3)", Problem(notUtf8));

        var badBool = Build("{\"b\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[0,3]}}", [1, 0, 2]);
        Assert.Equal($"tensor 'b': BOOL byte at file offset {badBool.Length - 1} is 2, not 0 or 1", Problem(badBool));
    }

    [Fact]
    public void Seeded_mutations_of_a_valid_file_either_read_or_throw_WeightsFormatException()
    {
        var path = _folder.File("fuzz.safetensors");
        using (var w = arange(0, 12, dtype: float32).reshape(3, 4))
        using (var i = arange(0, 5, dtype: int64))
        using (var b = tensor(new[] { true, false, true }))
        using (var h = ones(new long[] { 2 }, dtype: float16))
        {
            SafeTensors.Write(path, new[] { Pair("fc.weight", w), Pair("steps", i), Pair("mask", b), Pair("h", h) },
                new Dictionary<string, string> { ["epoch"] = "3" });
        }
        var original = File.ReadAllBytes(path);
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(original);
        var random = new Random(20240531);
        var outcomes = new Dictionary<string, int>();

        for (int iteration = 0; iteration < 400; iteration++)
        {
            var mutated = Mutate(original, headerLength, random);
            File.WriteAllBytes(path, mutated);
            string outcome;
            try
            {
                using var file = SafeTensors.Read(path);
                foreach (var tensor in file.ReadAll().Values)
                    tensor.Dispose();
                outcome = "read";
            }
            catch (WeightsFormatException)
            {
                outcome = "format error";
            }
            catch (Exception e)
            {
                Assert.Fail($"mutation {iteration} threw {e.GetType().Name}: {e.Message}\nfile: {Convert.ToHexString(mutated)}");
                throw;
            }
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        // Both outcomes must occur, or the mutations were too mild or too wild to test anything.
        Assert.True(outcomes.GetValueOrDefault("read") > 20 && outcomes.GetValueOrDefault("format error") > 100,
            string.Join(", ", outcomes.Select(p => $"{p.Key}: {p.Value}")));
    }

    private static byte[] Mutate(byte[] original, int headerLength, Random random)
    {
        var bytes = (byte[])original.Clone();
        switch (random.Next(6))
        {
            case 0: // flip a few bits anywhere
                for (int n = random.Next(1, 4); n > 0; n--)
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return bytes;
            case 1: // flip bits in the header, where structure lives
                for (int n = random.Next(1, 3); n > 0; n--)
                    bytes[8 + random.Next(headerLength)] ^= (byte)(1 << random.Next(8));
                return bytes;
            case 2: // truncate
                return bytes[..random.Next(bytes.Length)];
            case 3: // replace one header digit by another, moving offsets, dims and lengths
            {
                var digits = Enumerable.Range(8, headerLength).Where(i => bytes[i] is >= (byte)'0' and <= (byte)'9').ToArray();
                bytes[digits[random.Next(digits.Length)]] = (byte)('0' + random.Next(10));
                return bytes;
            }
            case 4: // insert or delete header characters and fix the length prefix to match
            {
                var header = bytes.AsSpan(8, headerLength).ToArray().ToList();
                int at = random.Next(header.Count);
                if (random.Next(2) == 0)
                    header.RemoveRange(at, Math.Min(random.Next(1, 4), header.Count - at));
                else
                    header.InsertRange(at, Encoding.UTF8.GetBytes(new[] { "\"", ",", "{", "}", "[", "]", "-1", "9", ":", "\"x\"" }[random.Next(10)]));
                return Build(header.ToArray(), bytes.AsSpan(8 + headerLength).ToArray());
            }
            default: // a random length prefix
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, random.Next(3) switch
                {
                    0 => (ulong)random.Next(bytes.Length),
                    1 => (ulong)random.NextInt64(),
                    _ => ulong.MaxValue - (ulong)random.Next(16),
                });
                return bytes;
        }
    }

    private static byte[] Build(string header, byte[] data) => Build(Encoding.UTF8.GetBytes(header), data);

    /// <summary>A safetensors file: length prefix, header as given (no padding), data.</summary>
    private static byte[] Build(byte[] headerBytes, byte[] data)
    {
        var file = new byte[8 + headerBytes.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)headerBytes.Length);
        headerBytes.CopyTo(file, 8);
        data.CopyTo(file, 8 + headerBytes.Length);
        return file;
    }

    private static KeyValuePair<string, Tensor> Pair(string name, Tensor tensor) => new(name, tensor);
}
