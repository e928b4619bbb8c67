using SpecTune.Data;

namespace SpecTune.Tests.Data;

public class ImageFolderDataSourceTests
{
    [Fact]
    public void Classes_are_sorted_by_ordinal_name_and_pixels_become_planar_channels()
    {
        using var folder = new TempFolder();
        // 2x1 RGB: left pixel (10, 20, 30), right pixel (40, 50, 60).
        Fixtures.WriteImage(folder.PathOf("dog/a.png"), 2, 1, 3, [10, 20, 30, 40, 50, 60]);
        Fixtures.WriteSolid(folder.PathOf("Zebra/z.png"), 2, 1, 0, 0, 0);
        Fixtures.WriteSolid(folder.PathOf("cat/b.PNG"), 2, 1, 255, 255, 255);
        File.WriteAllText(folder.PathOf("cat/notes.txt"), "not an image");

        var source = new ImageFolderDataSource(folder.Root, scale: 1f);

        Assert.Equal(["Zebra", "cat", "dog"], source.ClassNames);
        Assert.Equal(3, source.Count);
        Assert.Equal([3, 1, 2], source.SampleShape);
        Assert.Equal([0f, 1f, 2f], Enumerable.Range(0, 3).Select(source.ReadTarget));
        var features = new float[6];
        source.ReadFeatures(2, features);
        Assert.Equal([10f, 40f, 20f, 50f, 30f, 60f], features);
    }

    [Fact]
    public void Decodes_to_one_grey_channel_when_asked()
    {
        using var folder = new TempFolder();
        Fixtures.WriteSolid(folder.PathOf("a/x.png"), 3, 2, 90, 90, 90);

        var source = new ImageFolderDataSource(folder.Root, channels: 1);

        Assert.Equal([1, 2, 3], source.SampleShape);
        var features = new float[6];
        source.ReadFeatures(0, features);
        Assert.All(features, v => Assert.Equal(90f / 255f, v, 1e-6f));
    }

    [Fact]
    public void Decodes_jpeg()
    {
        using var folder = new TempFolder();
        Fixtures.WriteSolid(folder.PathOf("a/x.jpg"), 8, 8, 128, 64, 32);

        var source = new ImageFolderDataSource(folder.Root, scale: 1f);

        var features = new float[3 * 64];
        source.ReadFeatures(0, features);
        // JPEG is lossy: a flat colour comes back within a few levels.
        Assert.All(features.AsSpan(0, 64).ToArray(), v => Assert.InRange(v, 124f, 132f));
        Assert.All(features.AsSpan(128, 64).ToArray(), v => Assert.InRange(v, 28f, 36f));
    }

    [Fact]
    public void An_image_of_another_size_is_named_with_both_sizes()
    {
        using var folder = new TempFolder();
        Fixtures.WriteSolid(folder.PathOf("a/1.png"), 4, 4, 0, 0, 0);
        var odd = folder.PathOf("b/2.png");
        Fixtures.WriteSolid(odd, 5, 4, 0, 0, 0);

        var error = Assert.Throws<DataException>(() => new ImageFolderDataSource(folder.Root));

        Assert.Equal(odd, error.Path);
        Assert.Contains("image is 5x4 (WxH); expected 4x4", error.Message);
    }

    [Fact]
    public void With_a_size_images_of_any_size_are_resized_while_decoding()
    {
        using var folder = new TempFolder();
        Fixtures.WriteSolid(folder.PathOf("a/1.png"), 4, 4, 255, 0, 0);
        Fixtures.WriteSolid(folder.PathOf("a/2.png"), 7, 3, 0, 255, 0);

        var source = new ImageFolderDataSource(folder.Root, size: (5, 6));

        Assert.Equal([3, 5, 6], source.SampleShape);
        var features = new float[3 * 30];
        source.ReadFeatures(1, features);
        Assert.All(features.AsSpan(0, 30).ToArray(), v => Assert.Equal(0f, v));
        Assert.All(features.AsSpan(30, 30).ToArray(), v => Assert.Equal(1f, v, 1e-6f));
    }

    [Fact]
    public void An_empty_class_folder_is_named()
    {
        using var folder = new TempFolder();
        Fixtures.WriteSolid(folder.PathOf("a/1.png"), 2, 2, 0, 0, 0);
        var empty = Path.Combine(folder.Root, "b");
        Directory.CreateDirectory(empty);

        var error = Assert.Throws<DataException>(() => new ImageFolderDataSource(folder.Root));

        Assert.Equal(empty, error.Path);
        Assert.Contains("no images", error.Message);
    }

    [Fact]
    public void A_missing_root_is_named()
    {
        var root = Path.Combine(Path.GetTempPath(), "spectune-no-such-folder-" + Guid.NewGuid().ToString("N"));

        var error = Assert.Throws<DataException>(() => new ImageFolderDataSource(root));

        Assert.Equal(root, error.Path);
        Assert.Contains("not found", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_an_image_is_named_when_sizes_are_checked_and_when_decoding()
    {
        using var folder = new TempFolder();
        var broken = folder.PathOf("a/broken.png");
        File.WriteAllBytes(broken, [1, 2, 3, 4, 5, 6, 7, 8]);
        var truncated = folder.PathOf("b/truncated.png");
        Fixtures.WriteSolid(truncated, 16, 16, 1, 2, 3);
        File.WriteAllBytes(truncated, File.ReadAllBytes(truncated)[..60]);

        var atOpen = Assert.Throws<DataException>(() => new ImageFolderDataSource(folder.Root));
        var resizing = new ImageFolderDataSource(folder.Root, size: (2, 2));
        var atRead = Assert.Throws<DataException>(() => resizing.ReadFeatures(0, new float[12]));

        Assert.Equal(broken, atOpen.Path);
        Assert.Equal(broken, atRead.Path);
        Assert.Contains("expected a PNG or JPEG file", atRead.Message);
        Assert.Equal(truncated, Assert.Throws<DataException>(() => resizing.ReadFeatures(1, new float[12])).Path);
    }
}
