using SpecTune.Data;

namespace SpecTune.Tests.Data;

public class ClassFilterAndSplitTests
{
    [Fact]
    public void Class_filter_keeps_listed_labels_renumbered_in_the_given_order()
    {
        var source = new SyntheticSource(9, classes: 3);

        var filtered = new ClassFilterSource(source, [2, 0]);

        Assert.Equal(2, filtered.ClassCount);
        Assert.Equal(6, filtered.Count);
        // Samples 0, 2, 3, 5, 6, 8 have labels 0, 2, 0, 2, 0, 2; label 2 is now 0 and label 0 is now 1.
        Assert.Equal([1f, 0f, 1f, 0f, 1f, 0f], Enumerable.Range(0, 6).Select(filtered.ReadTarget));
        var features = new float[6];
        filtered.ReadFeatures(1, features);
        Assert.Equal(200f, features[0]);
    }

    [Fact]
    public void Class_filter_rejects_a_label_outside_the_class_range()
    {
        var error = Assert.Throws<DataException>(() => new ClassFilterSource(new SyntheticSource(9, classes: 3), [1, 7]));

        Assert.Contains("label 7, outside the data's class range 0..2", error.Message);
    }

    [Fact]
    public void Stratified_split_is_disjoint_covers_everything_and_keeps_class_proportions()
    {
        var source = new SyntheticSource(30, classes: 3);

        var (train, valid) = DataSplit.Split(source, 0.2, seed: 5);

        Assert.Empty(train.Indices.Intersect(valid.Indices));
        Assert.Equal(Enumerable.Range(0, 30), train.Indices.Concat(valid.Indices).Order());
        Assert.Equal(6, valid.Count);
        Assert.All(Enumerable.Range(0, 3), c => Assert.Equal(2, valid.Indices.Count(i => i % 3 == c)));
    }

    [Fact]
    public void Split_depends_only_on_the_seed()
    {
        var source = new SyntheticSource(40, classes: 0);

        var first = DataSplit.Split(source, 0.25, seed: 1).Valid.Indices;
        var again = DataSplit.Split(source, 0.25, seed: 1).Valid.Indices;
        var other = DataSplit.Split(source, 0.25, seed: 2).Valid.Indices;

        Assert.Equal(10, first.Count);
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void A_split_that_leaves_no_validation_sample_is_an_error()
    {
        var error = Assert.Throws<DataException>(() => DataSplit.Split(new SyntheticSource(3, classes: 0), 0.1, seed: 1));

        Assert.Contains("leaves 0 for validation", error.Message);
    }
}
