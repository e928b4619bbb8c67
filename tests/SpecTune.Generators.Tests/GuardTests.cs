using SpecTune.Generators.Parsing;

namespace SpecTune.Generators.Tests;

/// <summary>The boundary every front end runs behind: a defect becomes SPT0000 at the spec, cancellation still cancels.</summary>
public class GuardTests
{
    [Fact]
    public void An_exception_in_a_front_end_becomes_SPT0000_at_the_spec()
    {
        var parsed = SpecTuneGenerator.Guard("/specs/a.spectune.yaml", () => throw new InvalidOperationException("boom"), CancellationToken.None);

        Assert.Null(parsed.Model);
        var diagnostic = Assert.Single(parsed.Diagnostics);
        Assert.Equal(("SPT0000", "/specs/a.spectune.yaml"), (diagnostic.Id, diagnostic.FilePath));
        Assert.Contains("InvalidOperationException: boom", diagnostic.Message);
    }

    [Fact]
    public void Cancellation_is_not_turned_into_a_diagnostic()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            SpecTuneGenerator.Guard("/specs/a.spectune.yaml", () => YamlSpecParser.Parse("/specs/a.spectune.yaml", "spectune: 1", cancel.Token), cancel.Token));
    }
}
