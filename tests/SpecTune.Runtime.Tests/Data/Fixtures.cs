using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using StbImageWriteSharp;

namespace SpecTune.Tests.Data;

/// <summary>Writes small data files in the formats the sources read.</summary>
internal static class Fixtures
{
    public const int ImagesMagic = 0x00000803;
    public const int LabelsMagic = 0x00000801;

    public static byte[] Idx(int magic, int[] dims, byte[] data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int i = 0; i < dims.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    public static void Write(string path, byte[] content, bool gzip = false)
    {
        if (!gzip)
        {
            File.WriteAllBytes(path, content);
            return;
        }
        using var file = File.Create(path);
        using var zip = new GZipStream(file, CompressionLevel.Fastest);
        zip.Write(content);
    }

    /// <summary>Images where pixel p of image i is (i * 10 + p) % 256, and the given labels.</summary>
    public static (string Images, string Labels) WriteMnistLike(TempFolder folder, byte[] labels, int height, int width, bool gzip = false, string prefix = "")
    {
        int n = labels.Length, pixels = height * width;
        var data = new byte[n * pixels];
        for (int i = 0; i < n; i++)
            for (int p = 0; p < pixels; p++)
                data[i * pixels + p] = (byte)((i * 10 + p) % 256);
        // No .gz extension even when compressed: the source must go by the magic bytes.
        var images = folder.PathOf(prefix + "images-idx3-ubyte");
        var labelsPath = folder.PathOf(prefix + "labels-idx1-ubyte");
        Write(images, Idx(ImagesMagic, [n, height, width], data), gzip);
        Write(labelsPath, Idx(LabelsMagic, [n], labels), gzip);
        return (images, labelsPath);
    }

    public static void WriteCsv(string path, params string[] lines) =>
        File.WriteAllText(path, string.Join("\n", lines) + "\n", Encoding.UTF8);

    /// <summary>Writes an image from interleaved HWC bytes with 1 (grey) or 3 (RGB) channels.</summary>
    public static void WriteImage(string path, int width, int height, int channels, byte[] hwc)
    {
        var components = channels == 1 ? ColorComponents.Grey : ColorComponents.RedGreenBlue;
        using var stream = File.Create(path);
        var writer = new ImageWriter();
        if (path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            writer.WritePng(hwc, width, height, components, stream);
        else
            writer.WriteJpg(hwc, width, height, components, stream, 95);
    }

    /// <summary>An RGB image filled with one colour.</summary>
    public static void WriteSolid(string path, int width, int height, byte r, byte g, byte b)
    {
        var hwc = new byte[width * height * 3];
        for (int p = 0; p < width * height; p++)
            (hwc[3 * p], hwc[3 * p + 1], hwc[3 * p + 2]) = (r, g, b);
        WriteImage(path, width, height, 3, hwc);
    }
}
