using SpecTune.Data;
using SpecTune.Spec;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Tests.Data;

public class TransformTests
{
    private static readonly Random Unused = new(0);

    [Fact]
    public void Resize_averages_a_2x2_image_into_its_centre()
    {
        var output = new float[1];
        new ResizeTransform(1, 1).Apply([0f, 1f, 2f, 3f], [1, 2, 2], output, Unused);

        Assert.Equal(1.5f, output[0]);
    }

    [Theory]
    [InlineData(3, 5, 2, 3)]
    [InlineData(3, 5, 7, 11)]
    [InlineData(4, 4, 3, 9)]
    public void Resize_matches_torch_bilinear_interpolation(int inHeight, int inWidth, int outHeight, int outWidth)
    {
        var random = new Random(3);
        var input = Enumerable.Range(0, 2 * inHeight * inWidth).Select(_ => random.NextSingle()).ToArray();
        var output = new float[2 * outHeight * outWidth];

        new ResizeTransform(outHeight, outWidth).Apply(input, [2, inHeight, inWidth], output, Unused);

        using var scope = torch.NewDisposeScope();
        var expected = nn.functional.interpolate(torch.tensor(input, [1, 2, inHeight, inWidth]), [outHeight, outWidth],
            mode: InterpolationMode.Bilinear, align_corners: false).data<float>().ToArray();
        for (int i = 0; i < output.Length; i++)
            Assert.Equal(expected[i], output[i], 1e-5f);
    }

    [Fact]
    public void Normalize_uses_each_channels_mean_and_std()
    {
        var output = new float[4];
        new NormalizeTransform([1.0, 2.0], [2.0, 4.0]).Apply([3f, 5f, 2f, 10f], [2, 1, 2], output, Unused);

        Assert.Equal([1f, 2f, 0f, 2f], output);
    }

    [Fact]
    public void Horizontal_flip_mirrors_each_row_when_drawn()
    {
        float[] input = [1, 2, 3, 4, 5, 6];
        var flipped = new float[6];
        var kept = new float[6];

        new RandomHorizontalFlipTransform(probability: 1).Apply(input, [1, 2, 3], flipped, Unused);
        new RandomHorizontalFlipTransform(probability: 0).Apply(input, [1, 2, 3], kept, Unused);

        Assert.Equal([3f, 2f, 1f, 6f, 5f, 4f], flipped);
        Assert.Equal(input, kept);
    }

    [Fact]
    public void Random_crop_shifts_by_at_most_the_padding_and_fills_with_zeros()
    {
        // Values 1..9 in a 3x3 image; every output must be the input shifted by (dy, dx) in [-1, 1]^2.
        float[] input = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        var crop = new RandomCropTransform(1);
        var seen = new HashSet<(int, int)>();
        for (int seed = 0; seed < 200; seed++)
        {
            var output = new float[9];
            crop.Apply(input, [1, 3, 3], output, new Random(seed));
            var shift = Shifts().Single(s => Shifted(input, s.Dy, s.Dx).SequenceEqual(output));
            seen.Add(shift);
        }
        Assert.Equal(9, seen.Count);

        static IEnumerable<(int Dy, int Dx)> Shifts() =>
            from dy in new[] { -1, 0, 1 } from dx in new[] { -1, 0, 1 } select (dy, dx);

        static float[] Shifted(float[] image, int dy, int dx) =>
            Enumerable.Range(0, 9).Select(i =>
            {
                int y = i / 3 + dy, x = i % 3 + dx;
                return y is >= 0 and < 3 && x is >= 0 and < 3 ? image[y * 3 + x] : 0f;
            }).ToArray();
    }

    [Fact]
    public void Channel_convert_repeats_grey_and_takes_luma_of_rgb()
    {
        var rgb = new float[6];
        var grey = new float[2];

        new ChannelConvertTransform(3).Apply([0.25f, 0.5f], [1, 1, 2], rgb, Unused);
        new ChannelConvertTransform(1).Apply([1f, 0f, 0f, 1f, 0f, 0f], [3, 1, 2], grey, Unused);

        Assert.Equal([0.25f, 0.5f, 0.25f, 0.5f, 0.25f, 0.5f], rgb);
        Assert.Equal(0.299f, grey[0], 1e-6f);
        Assert.Equal(0.587f, grey[1], 1e-6f);
    }

    [Fact]
    public void From_spec_orders_preprocessing_before_augmentation_and_normalizes_last()
    {
        var spec = TransformSpec.None with
        {
            Resize = new EquatableArray<int>([32, 32]),
            Channels = 3,
            Mean = new EquatableArray<double>([0.5]),
            Std = new EquatableArray<double>([0.25]),
            RandomFlip = true,
            RandomCrop = 4,
        };

        var pipeline = TransformPipeline.FromSpec(spec, [1, 28, 28]);

        Assert.Equal(
            [typeof(ResizeTransform), typeof(ChannelConvertTransform), typeof(RandomCropTransform), typeof(RandomHorizontalFlipTransform), typeof(NormalizeTransform)],
            pipeline.Transforms.Select(t => t.GetType()));
        Assert.Equal([typeof(ResizeTransform), typeof(ChannelConvertTransform), typeof(NormalizeTransform)],
            pipeline.Active(training: false).Select(t => t.GetType()));
        Assert.Equal([3, 32, 32], pipeline.OutputShape([1, 28, 28], training: true));
    }

    [Fact]
    public void From_spec_reduces_channels_before_resizing_and_skips_steps_the_source_already_did()
    {
        var spec = TransformSpec.None with { Resize = new EquatableArray<int>([8, 8]), Channels = 1 };

        Assert.Equal([typeof(ChannelConvertTransform), typeof(ResizeTransform)],
            TransformPipeline.FromSpec(spec, [3, 16, 16]).Transforms.Select(t => t.GetType()));
        Assert.Empty(TransformPipeline.FromSpec(spec, [1, 8, 8]).Transforms);
    }

    [Fact]
    public void From_spec_rejects_image_transforms_on_tabular_samples()
    {
        var spec = TransformSpec.None with { RandomFlip = true };

        var error = Assert.Throws<ArgumentException>(() => TransformPipeline.FromSpec(spec, [4]));

        Assert.Contains("random-flip needs image samples", error.Message);
    }

    [Fact]
    public void Pipeline_chains_stages_through_scratch_buffers()
    {
        var pipeline = new TransformPipeline([new ChannelConvertTransform(3), new ResizeTransform(1, 1), new NormalizeTransform([1.0], [0.5])]);

        var output = pipeline.Apply([0f, 1f, 2f, 3f], [1, 2, 2], training: false, Unused);

        Assert.Equal([1f, 1f, 1f], output);
    }
}
