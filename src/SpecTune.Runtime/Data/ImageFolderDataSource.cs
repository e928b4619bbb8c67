using StbImageSharp;

namespace SpecTune.Data;

/// <summary>
/// Images in class folders: <c>root/&lt;class-name&gt;/*.png|jpg|jpeg</c>. Classes are the sub-folders
/// sorted by ordinal name (label 0 is the first); samples are [channels, height, width], values are
/// bytes times <c>scale</c>.
/// </summary>
/// <remarks>
/// <see cref="IDataSource"/> has one sample shape, so the source itself guarantees it:
/// without a <c>size</c> every image must have the first image's size (checked from the file headers
/// at construction, so a stray image fails before training starts); with a <c>size</c> images of any
/// size are decoded and resized (bilinear, like <see cref="ResizeTransform"/>) to it. Likewise images
/// are decoded straight to the requested channel count. A pipeline built with
/// <see cref="TransformPipeline.FromSpec"/> for this shape then has nothing left to resize or convert.
/// Images are decoded on every read (they are not cached), so memory stays flat for large folders.
/// </remarks>
internal sealed class ImageFolderDataSource : IDataSource
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];

    private readonly string[] _files;
    private readonly int[] _labels;
    private readonly int _channels;
    private readonly float[] _byteValues;
    private readonly bool _resize;

    /// <param name="root">The folder holding one sub-folder per class.</param>
    /// <param name="channels">1 (grey) or 3 (RGB): images are decoded to this many channels.</param>
    /// <param name="size">Resize every image to (height, width); null requires all images to share one size.</param>
    /// <param name="scale">Multiplies each byte; the default maps 0..255 to [0, 1].</param>
    public ImageFolderDataSource(string root, int channels = 3, (int Height, int Width)? size = null, double scale = 1.0 / 255)
    {
        if (channels is not (1 or 3))
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "expected 1 or 3");
        if (size is { } s && (s.Height <= 0 || s.Width <= 0))
            throw new ArgumentOutOfRangeException(nameof(size), size, "expected a positive height and width");
        Origin = Path.GetFullPath(root);
        _channels = channels;
        _byteValues = ByteScale.Table(scale);

        if (!Directory.Exists(Origin))
            throw new DataException(Origin, "folder not found; expected a folder with one sub-folder of images per class");
        var classFolders = Directory.GetDirectories(Origin);
        Array.Sort(classFolders, StringComparer.Ordinal);
        if (classFolders.Length == 0)
            throw new DataException(Origin, "has no class sub-folders; expected root/<class-name>/*.png|jpg|jpeg");

        var files = new List<string>();
        var labels = new List<int>();
        var classNames = new string[classFolders.Length];
        for (int label = 0; label < classFolders.Length; label++)
        {
            classNames[label] = Path.GetFileName(classFolders[label]);
            var images = Directory.GetFiles(classFolders[label])
                .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                .OrderBy(f => f, StringComparer.Ordinal)
                .ToArray();
            if (images.Length == 0)
                throw new DataException(classFolders[label], "class folder has no images; expected at least one .png, .jpg or .jpeg file");
            files.AddRange(images);
            labels.AddRange(Enumerable.Repeat(label, images.Length));
        }
        _files = files.ToArray();
        _labels = labels.ToArray();
        ClassNames = classNames;

        if (size is { } target)
        {
            _resize = true;
            ImageSize = target;
        }
        else
        {
            ImageSize = ReadSize(_files[0]);
            foreach (var file in _files.AsSpan(1))
            {
                var actual = ReadSize(file);
                if (actual != ImageSize)
                    throw new DataException(file, $"image is {actual.Width}x{actual.Height} (WxH); expected {ImageSize.Width}x{ImageSize.Height} like {_files[0]}, or a resize transform");
            }
        }
        SampleShape = [channels, ImageSize.Height, ImageSize.Width];
    }

    public string Origin { get; }

    /// <summary>Class folder names; label i is ClassNames[i].</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The size every sample has.</summary>
    public (int Height, int Width) ImageSize { get; }

    /// <summary>The image files, in sample order.</summary>
    public IReadOnlyList<string> Files => _files;

    public int Count => _files.Length;

    public IReadOnlyList<int> SampleShape { get; }

    public int ClassCount => ClassNames.Count;

    public void ReadFeatures(int index, Span<float> destination)
    {
        var file = _files[index];
        var image = Decode(file, _channels);
        if (!_resize && (image.Height, image.Width) != ImageSize)
            throw new DataException(file, $"image is {image.Width}x{image.Height} (WxH); expected {ImageSize.Width}x{ImageSize.Height}");
        ToPlanar(image, _channels, _byteValues, _resize ? ImageSize : null, destination);
    }

    /// <summary>One image file as a planar [channels, height, width] sample, decoded and scaled as a source with these settings would.</summary>
    internal static (float[] Sample, int[] Shape) ReadImage(string file, int channels, (int Height, int Width)? size, double scale)
    {
        var image = Decode(file, channels);
        var (height, width) = size ?? (image.Height, image.Width);
        var sample = new float[channels * height * width];
        ToPlanar(image, channels, ByteScale.Table(scale), size, sample);
        return (sample, [channels, height, width]);
    }

    private static void ToPlanar(ImageResult image, int channels, float[] byteValues, (int Height, int Width)? size, Span<float> destination)
    {
        int height = image.Height, width = image.Width, plane = height * width;
        // stb decodes interleaved HWC bytes; samples are planar CHW floats.
        bool resize = size is not null;
        var decoded = resize ? new float[channels * plane] : null;
        var planar = decoded is null ? destination : decoded.AsSpan();
        var data = image.Data;
        for (int c = 0; c < channels; c++)
        {
            var channel = planar.Slice(c * plane, plane);
            for (int p = 0; p < plane; p++)
                channel[p] = byteValues[data[p * channels + c]];
        }
        if (decoded is not null)
            ResizeTransform.Bilinear(decoded, channels, height, width, destination, size!.Value.Height, size.Value.Width);
    }

    public float ReadTarget(int index) => _labels[index];

    private static ImageResult Decode(string file, int channels)
    {
        var bytes = DataFile.ReadAllBytes(file);
        try
        {
            return ImageResult.FromMemory(bytes, channels == 1 ? ColorComponents.Grey : ColorComponents.RedGreenBlue);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            throw new DataException(file, $"cannot be decoded as an image ({e.Message}); expected a PNG or JPEG file", innerException: e);
        }
    }

    private static (int Height, int Width) ReadSize(string file)
    {
        try
        {
            using var stream = File.OpenRead(file);
            var info = ImageInfo.FromStream(stream)
                ?? throw new DataException(file, "is not a recognised image; expected a PNG or JPEG file");
            return (info.Height, info.Width);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataException(file, $"cannot be read ({e.Message})", innerException: e);
        }
    }
}
