namespace SpecTune.Tests;

/// <summary>A learning rate too large for a float32 step is a checker error at its line, not an overflow mid-run.</summary>
[Collection(CliCollection.Name)]
public sealed class HugeLearningRateTests : IDisposable
{
    private readonly TestWorkspace _workspace = new();

    [Theory]
    [InlineData("optimizer: { adam: { lr: 1.0e-2 } }", "optimizer: { adam: { lr: 1.0e+38 } }", 17)]
    [InlineData("lr: 1.0e-3 }", "lr: 5.0e+3 }", 20)]
    public void A_rate_above_1000_is_refused_before_training(string replace, string with, int line)
    {
        var spec = TinySpec.Write(_workspace, replace: replace, with: with);
        var result = CliRunner.Run("train", spec);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Matches($@"tiny\.spectune\.yaml\({line},\d+\): error SPT\d{{4}}: .*at most 1000", result.Error);
        Assert.DoesNotContain("epoch 1/", result.Out);
    }

    public void Dispose() => _workspace.Dispose();
}
