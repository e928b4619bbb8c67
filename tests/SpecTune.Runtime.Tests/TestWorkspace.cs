using System.IO.Compression;

namespace SpecTune.Tests;

/// <summary>A temporary folder with tiny synthetic IDX data sets and spec files; deleted on dispose.</summary>
public sealed class TestWorkspace : IDisposable
{
    public TestWorkspace()
    {
        Root = Path.Combine(Path.GetTempPath(), "spectune-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>A workspace with `train-*` and `valid-*` IDX files of the two-class synthetic data.</summary>
    public static TestWorkspace WithBinaryData(int train, int valid)
    {
        var workspace = new TestWorkspace();
        workspace.WriteIdx("train", train, 2, seed: 1);
        workspace.WriteIdx("valid", valid, 2, seed: 2);
        return workspace;
    }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>
    /// Writes `{name}-images-idx3-ubyte.gz` / `{name}-labels-idx1-ubyte.gz`: 12x12 noisy images whose class
    /// survives global pooling (class c is 25·c brighter overall, and has a bright band that is horizontal
    /// for even classes and vertical for odd ones), so a small network can learn it.
    /// </summary>
    public void WriteIdx(string name, int count, int classes, int seed, int size = 12)
    {
        var random = new Random(seed);
        var images = new byte[count * size * size];
        var labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            int label = i % classes;
            labels[i] = (byte)label;
            for (int r = 0; r < size; r++)
                for (int c = 0; c < size; c++)
                {
                    int along = label % 2 == 0 ? r : c;
                    bool band = along >= 4 && along < 7;
                    int value = (band ? 120 : 20) + 25 * label + random.Next(0, 90);
                    images[i * size * size + r * size + c] = (byte)Math.Min(255, value);
                }
        }
        WriteGzip(PathOf($"{name}-images-idx3-ubyte.gz"), Header(2051, count, size, size), images);
        WriteGzip(PathOf($"{name}-labels-idx1-ubyte.gz"), Header(2049, count), labels);
    }

    public string WriteSpec(string fileName, string yaml)
    {
        var path = PathOf(fileName);
        File.WriteAllText(path, yaml);
        return path;
    }

    private static byte[] Header(params int[] values) =>
        values.SelectMany(v => new[] { (byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v }).ToArray();

    private static void WriteGzip(string path, byte[] header, byte[] body)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(header);
        gzip.Write(body);
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
