namespace SpecTune.Bench;

/// <summary>Writes and reads the plain (not gzipped) IDX files the benchmark's synthetic data sets live in.</summary>
public static class Idx
{
    /// <summary>Random pixels, labels cycling through the classes: the math costs the same whatever the values.</summary>
    public static void Write(string folder, Workload w, int seed)
    {
        var random = new Random(seed);
        var images = new byte[(long)w.Samples * w.Size * w.Size];
        random.NextBytes(images);
        var labels = new byte[w.Samples];
        for (int i = 0; i < labels.Length; i++) labels[i] = (byte)(i % Workload.Classes);
        File.WriteAllBytes(Path.Combine(folder, w.ImagesFile), [.. Header(2051, w.Samples, w.Size, w.Size), .. images]);
        File.WriteAllBytes(Path.Combine(folder, w.LabelsFile), [.. Header(2049, w.Samples), .. labels]);
    }

    /// <summary>The images as bytes (row-major, one channel) and the labels.</summary>
    public static (byte[] Images, byte[] Labels) Read(string folder, Workload w)
    {
        var images = File.ReadAllBytes(Path.Combine(folder, w.ImagesFile));
        var labels = File.ReadAllBytes(Path.Combine(folder, w.LabelsFile));
        return (images[16..], labels[8..]);
    }

    private static byte[] Header(params int[] values) =>
        values.SelectMany(v => new[] { (byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v }).ToArray();
}
