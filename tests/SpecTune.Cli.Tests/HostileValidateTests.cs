namespace SpecTune.Tests;

/// <summary>`spectune validate` on legal but extreme sizes and on unlocated YAML errors (issue 16 items 4 and 9): an SPT error at its line, exit 1, no crash.</summary>
[Collection(CliCollection.Name)]
public sealed class HostileValidateTests : IDisposable
{
    private readonly TestWorkspace _workspace = new();

    [Theory]
    [InlineData("{linear: 1}", "{linear: 2147483647}", "(7,13): error SPT0151")]
    [InlineData("input: [1, 12, 12]", "input: [2147483647, 8, 8]", "(3,35): error SPT0150")]
    [InlineData("input: [1, 12, 12]", "input: [65536, 65536]", "(3,35): error SPT0150")]
    public void Extreme_sizes_are_an_error_at_the_value_not_a_crash(string replace, string with, string expected)
    {
        var spec = TinySpec.Write(_workspace, replace: replace, with: with);

        var result = CliRunner.Run("validate", spec);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains(spec + expected, result.Error);
    }

    [Theory]
    [InlineData("head:\n  layers", "head:\n\tlayers", "(7,1): error SPT0001")]
    [InlineData("name: Tiny", "name: *tiny", "(2,7): error SPT0022")]
    public void Yaml_errors_print_their_line_and_column(string replace, string with, string expected)
    {
        var spec = TinySpec.Write(_workspace, replace: replace, with: with);

        var result = CliRunner.Run("validate", spec);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(spec + expected, result.Error);
    }

    [Fact]
    public void An_empty_file_is_reported_at_line_1_column_1()
    {
        var spec = _workspace.WriteSpec("empty.spectune.yaml", "");

        var result = CliRunner.Run("validate", spec);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith(spec + "(1,1): error SPT0002", result.Error.Trim());
    }

    public void Dispose() => _workspace.Dispose();
}
