using System.Buffers.Binary;

namespace SpecTune.Data;

/// <summary>
/// MNIST-style IDX data: an unsigned-byte images file (magic 0x00000803, dimensions N×H×W) and an
/// unsigned-byte labels file (magic 0x00000801, dimension N), each gzip-compressed or plain. Both files
/// are small enough to hold in memory, so they are read once at construction; samples are [1, H, W].
/// </summary>
internal sealed class IdxDataSource : IDataSource
{
    private const int ImagesMagic = 0x00000803;
    private const int LabelsMagic = 0x00000801;

    private readonly byte[] _images;
    private readonly int _imagesOffset;
    private readonly byte[] _labels;
    private readonly int _labelsOffset;
    private readonly int _pixels;
    private readonly float[] _byteValues;

    /// <param name="imagesPath">The idx3-ubyte images file.</param>
    /// <param name="labelsPath">The idx1-ubyte labels file.</param>
    /// <param name="scale">Multiplies each byte; the default maps 0..255 to [0, 1].</param>
    public IdxDataSource(string imagesPath, string labelsPath, double scale = 1.0 / 255)
    {
        ImagesPath = Path.GetFullPath(imagesPath);
        LabelsPath = Path.GetFullPath(labelsPath);
        _byteValues = ByteScale.Table(scale);

        _images = DataFile.ReadAllBytesDecompressed(ImagesPath);
        var imageDims = ReadHeader(ImagesPath, _images, ImagesMagic, "images", "unsigned-byte images with 3 dimensions (N, height, width)");
        _imagesOffset = 4 + 4 * imageDims.Length;
        _labels = DataFile.ReadAllBytesDecompressed(LabelsPath);
        var labelDims = ReadHeader(LabelsPath, _labels, LabelsMagic, "labels", "unsigned-byte labels with 1 dimension (N)");
        _labelsOffset = 4 + 4 * labelDims.Length;

        int count = imageDims[0], height = imageDims[1], width = imageDims[2];
        if (height == 0 || width == 0)
            throw new DataException(ImagesPath, $"images are {width}x{height}; expected a non-zero width and height");
        if (labelDims[0] != count)
            throw new DataException(LabelsPath, $"labels file has {labelDims[0]} items but images file has {count} ({ImagesPath}); expected one label per image");

        _pixels = checked(height * width);
        CheckLength(ImagesPath, _images, _imagesOffset, (long)count * _pixels, "images");
        CheckLength(LabelsPath, _labels, _labelsOffset, count, "labels");

        Count = count;
        SampleShape = [1, height, width];
        byte maxLabel = 0;
        foreach (var label in _labels.AsSpan(_labelsOffset))
            maxLabel = Math.Max(maxLabel, label);
        ClassCount = count == 0 ? 0 : maxLabel + 1;
    }

    public string ImagesPath { get; }

    public string LabelsPath { get; }

    public string Origin => ImagesPath;

    public int Count { get; }

    public IReadOnlyList<int> SampleShape { get; }

    /// <summary>The largest label plus one.</summary>
    public int ClassCount { get; }

    public void ReadFeatures(int index, Span<float> destination)
    {
        CheckIndex(index);
        var pixels = _images.AsSpan(_imagesOffset + index * _pixels, _pixels);
        for (int i = 0; i < pixels.Length; i++)
            destination[i] = _byteValues[pixels[i]];
    }

    public float ReadTarget(int index)
    {
        CheckIndex(index);
        return _labels[_labelsOffset + index];
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"expected 0..{Count - 1}");
    }

    private static int[] ReadHeader(string path, byte[] data, int expectedMagic, string what, string expected)
    {
        if (data.Length < 4)
            throw new DataException(path, $"is {data.Length} bytes long, too short for an IDX header; expected an IDX {what} file ({expected})");
        int magic = BinaryPrimitives.ReadInt32BigEndian(data);
        if (magic != expectedMagic)
            throw new DataException(path, $"has IDX magic number 0x{magic:X8}; expected 0x{expectedMagic:X8} ({expected})");
        int rank = expectedMagic & 0xff;
        if (data.Length < 4 + 4 * rank)
            throw new DataException(path, $"is truncated inside its IDX header ({data.Length} bytes); expected {4 + 4 * rank} header bytes");
        var dims = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4 + 4 * i));
            if (dims[i] < 0)
                throw new DataException(path, $"declares dimension {i} as {dims[i]}; expected a non-negative size");
        }
        return dims;
    }

    private static void CheckLength(string path, byte[] data, int headerLength, long expectedItems, string what)
    {
        long actual = data.Length - headerLength;
        if (actual < expectedItems)
            throw new DataException(path, $"is truncated: {what} data has {actual} bytes but its header declares {expectedItems}");
        if (actual > expectedItems)
            throw new DataException(path, $"has {actual - expectedItems} bytes after the {expectedItems} bytes of {what} data its header declares; expected the file to end there");
    }
}
