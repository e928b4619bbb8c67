using System.Globalization;
using SpecTune.Spec;
using static TorchSharp.torch;

namespace SpecTune.Data;

/// <summary>
/// A spec's preprocessing for one raw input at inference: an image file decoded, scaled, resized and normalised as
/// image-folder data is, or a CSV row of feature values scaled as CSV data is. Needs the spec only, never the data.
/// </summary>
internal sealed class Preprocessing(FineTuneSpec spec)
{
    private TransformSpec Transforms => spec.Data.Transforms;

    /// <summary>The image at <paramref name="path"/> as one sample [channels, height, width].</summary>
    /// <exception cref="DataException">The file is missing, not an image, or gives another shape than base.input.</exception>
    public Tensor FromImageFile(string path)
    {
        int channels = Transforms.Channels ?? (spec.Base.Input.Count == 3 ? spec.Base.Input[0] : 3);
        (int, int)? size = Transforms.Resize.Count == 2 ? (Transforms.Resize[0], Transforms.Resize[1]) : null;
        var (sample, shape) = ImageFolderDataSource.ReadImage(Path.GetFullPath(path), channels is 1 ? 1 : 3, size, Transforms.Scale ?? 1.0 / 255);
        var pipeline = TransformPipeline.FromSpec(Transforms, shape);
        var output = pipeline.Apply(sample, shape, training: false, new Random(0));
        return Shaped(output, pipeline.OutputShape(shape, training: false), path);
    }

    /// <summary>
    /// One CSV row of feature values (comma-separated, in the training file's column order without the label column)
    /// as one sample.
    /// </summary>
    /// <exception cref="DataException">A field is not a number, or the row has another count than base.input.</exception>
    public Tensor FromCsvRow(string row)
    {
        double scale = Transforms.Scale ?? 1.0;
        var fields = row.Split(',');
        var values = new float[fields.Length];
        for (int i = 0; i < fields.Length; i++)
        {
            if (!double.TryParse(fields[i].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                throw new DataException("csv row", $"field {i + 1} '{fields[i].Trim()}' is not a number; expected the feature values without the label", line: 1, column: i + 1);
            values[i] = (float)(value * scale);
        }
        return Shaped(values, [values.Length], "csv row");
    }

    private Tensor Shaped(float[] values, IReadOnlyList<int> shape, string origin)
    {
        if (spec.Base.Input.Count > 0 && !spec.Base.Input.SequenceEqual(shape))
            throw new DataException(origin, $"gives a sample shaped [{string.Join(", ", shape)}]; expected base.input [{string.Join(", ", spec.Base.Input)}]");
        return tensor(values).reshape(shape.Select(d => (long)d).ToArray());
    }
}
