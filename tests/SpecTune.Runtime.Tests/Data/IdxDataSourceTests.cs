using SpecTune.Data;

namespace SpecTune.Tests.Data;

public class IdxDataSourceTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_images_and_labels_scaled_to_unit_range(bool gzip)
    {
        using var folder = new TempFolder();
        var (images, labels) = Fixtures.WriteMnistLike(folder, [2, 0, 1], height: 2, width: 3, gzip);

        var source = new IdxDataSource(images, labels);

        Assert.Equal(3, source.Count);
        Assert.Equal([1, 2, 3], source.SampleShape);
        Assert.Equal(3, source.ClassCount);
        var features = new float[6];
        source.ReadFeatures(1, features);
        Assert.Equal(Enumerable.Range(10, 6).Select(v => v / 255f), features);
        Assert.Equal([2f, 0f, 1f], Enumerable.Range(0, 3).Select(source.ReadTarget));
    }

    [Fact]
    public void A_custom_scale_replaces_the_default()
    {
        using var folder = new TempFolder();
        var (images, labels) = Fixtures.WriteMnistLike(folder, [0, 1], height: 1, width: 2);

        var source = new IdxDataSource(images, labels, scale: 1f);

        var features = new float[2];
        source.ReadFeatures(1, features);
        Assert.Equal([10f, 11f], features);
    }

    [Fact]
    public void Swapped_files_report_the_bad_magic_number()
    {
        using var folder = new TempFolder();
        var (images, labels) = Fixtures.WriteMnistLike(folder, [0, 1], height: 2, width: 2);

        var error = Assert.Throws<DataException>(() => new IdxDataSource(labels, images));

        Assert.Equal(labels, error.Path);
        Assert.StartsWith(labels + ": ", error.Message);
        Assert.Contains("0x00000801", error.Message);
        Assert.Contains("expected 0x00000803", error.Message);
    }

    [Fact]
    public void Different_item_counts_name_both_counts()
    {
        using var folder = new TempFolder();
        var images = folder.PathOf("images");
        var labels = folder.PathOf("labels");
        Fixtures.Write(images, Fixtures.Idx(Fixtures.ImagesMagic, [120, 1, 1], new byte[120]));
        Fixtures.Write(labels, Fixtures.Idx(Fixtures.LabelsMagic, [100], new byte[100]));

        var error = Assert.Throws<DataException>(() => new IdxDataSource(images, labels));

        Assert.Equal(labels, error.Path);
        Assert.Contains("labels file has 100 items but images file has 120", error.Message);
    }

    [Fact]
    public void Truncated_image_data_is_reported()
    {
        using var folder = new TempFolder();
        var images = folder.PathOf("images");
        var labels = folder.PathOf("labels");
        Fixtures.Write(images, Fixtures.Idx(Fixtures.ImagesMagic, [3, 2, 2], new byte[8]), gzip: true);
        Fixtures.Write(labels, Fixtures.Idx(Fixtures.LabelsMagic, [3], new byte[3]));

        var error = Assert.Throws<DataException>(() => new IdxDataSource(images, labels));

        Assert.Equal(images, error.Path);
        Assert.Contains("truncated", error.Message);
        Assert.Contains("8 bytes but its header declares 12", error.Message);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        using var folder = new TempFolder();
        var (images, _) = Fixtures.WriteMnistLike(folder, [0], height: 1, width: 1);
        var missing = Path.Combine(folder.Root, "no-such-labels");

        var error = Assert.Throws<DataException>(() => new IdxDataSource(images, missing));

        Assert.Equal(missing, error.Path);
        Assert.Contains("not found", error.Message);
    }
}
