using System.Globalization;
using SpecTune.Data;

namespace SpecTune.Tests.Data;

public class CsvDataSourceTests
{
    [Fact]
    public void Reads_features_and_class_labels_by_column_name()
    {
        using var folder = new TempFolder();
        var path = folder.PathOf("train.csv");
        Fixtures.WriteCsv(path, "x,label,y", "1.5,2,-3", "0,0,4e-1");

        var source = new CsvDataSource(path, "label", classification: true);

        Assert.Equal(2, source.Count);
        Assert.Equal([2], source.SampleShape);
        Assert.Equal(3, source.ClassCount);
        var features = new float[2];
        source.ReadFeatures(0, features);
        Assert.Equal([1.5f, -3f], features);
        source.ReadFeatures(1, features);
        Assert.Equal([0f, 0.4f], features);
        Assert.Equal(2f, source.ReadTarget(0));
        Assert.Equal(0f, source.ReadTarget(1));
    }

    [Fact]
    public void Reads_regression_targets_by_column_index_under_any_culture()
    {
        using var folder = new TempFolder();
        var path = folder.PathOf("train.csv");
        Fixtures.WriteCsv(path, "target,a", "2.25,1", "-0.5,2");
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            var source = new CsvDataSource(path, "0", classification: false);

            Assert.Equal(0, source.ClassCount);
            Assert.Equal([2.25f, -0.5f], new[] { source.ReadTarget(0), source.ReadTarget(1) });
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void A_row_with_the_wrong_column_count_names_file_and_line()
    {
        using var folder = new TempFolder();
        var path = folder.PathOf("bad.csv");
        Fixtures.WriteCsv(path, "a,b,label", "1,2,0", "1,2");

        var error = Assert.Throws<DataException>(() => new CsvDataSource(path, null, classification: true));

        Assert.StartsWith(path + ":3: ", error.Message);
        Assert.Contains("row has 2 columns; expected 3", error.Message);
    }

    [Fact]
    public void A_non_numeric_value_names_file_line_and_column()
    {
        using var folder = new TempFolder();
        var path = folder.PathOf("bad.csv");
        Fixtures.WriteCsv(path, "a,b,label", "1,abc,0");

        var error = Assert.Throws<DataException>(() => new CsvDataSource(path, null, classification: true));

        Assert.StartsWith(path + ":2:2: ", error.Message);
        Assert.Contains("'abc'", error.Message);
        Assert.Contains("column 'b'", error.Message);
    }

    [Fact]
    public void A_quoted_field_is_an_error_not_a_silent_mis_split()
    {
        using var folder = new TempFolder();
        var path = folder.PathOf("quoted.csv");
        Fixtures.WriteCsv(path, "a,b,label", "\"1,5\",2,0");

        var error = Assert.Throws<DataException>(() => new CsvDataSource(path, null, classification: true));

        Assert.StartsWith(path + ":2: ", error.Message);
        Assert.Contains("quoted fields are not supported", error.Message);
    }

    [Fact]
    public void A_fractional_class_label_is_rejected()
    {
        using var folder = new TempFolder();
        var path = folder.PathOf("labels.csv");
        Fixtures.WriteCsv(path, "a,label", "1,0", "2,1.5");

        var error = Assert.Throws<DataException>(() => new CsvDataSource(path, "label", classification: true));

        Assert.StartsWith(path + ":3:2: ", error.Message);
        Assert.Contains("expected an integer >= 0", error.Message);
    }

    [Fact]
    public void An_unknown_label_column_lists_the_header()
    {
        using var folder = new TempFolder();
        var path = folder.PathOf("train.csv");
        Fixtures.WriteCsv(path, "a,b", "1,0");

        var error = Assert.Throws<DataException>(() => new CsvDataSource(path, "target", classification: true));

        Assert.Contains("no label column 'target'", error.Message);
        Assert.Contains("(a, b)", error.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_header_without_rows_is_a_data_error_naming_the_file(bool classification)
    {
        using var folder = new TempFolder();
        var path = folder.PathOf("train.csv");
        Fixtures.WriteCsv(path, "x,label", "");

        var error = Assert.Throws<DataException>(() => new CsvDataSource(path, "label", classification));
        Assert.Equal(path, error.Path);
        Assert.Contains("no data rows", error.Message);
        Assert.StartsWith(path, error.Message);
    }
}
