using SpecTune.Text;

namespace SpecTune.Tests.TextTests;

public sealed class EntityScoresTests
{
    private static string[] T(string tags) => tags.Split(' ');

    [Fact]
    public void Spans_follow_seqeval_including_an_I_without_B()
    {
        Assert.Equal(
            new[] { new EntitySpan("PER", 0, 1), new EntitySpan("LOC", 3, 3), new EntitySpan("LOC", 4, 5), new EntitySpan("ORG", 6, 6) },
            EntityScores.Spans(T("B-PER I-PER O I-LOC B-LOC I-LOC I-ORG")));
    }

    [Fact]
    public void Seqeval_readme_example_scores()
    {
        // seqeval's README: y_true/y_pred below give f1_score 0.50 (MISC and PER: 1 correct of 2 true, 2 predicted).
        var scores = new EntityScores();
        scores.Add(T("O O O B-MISC I-MISC I-MISC O"), T("O O B-MISC I-MISC I-MISC I-MISC O"));
        scores.Add(T("B-PER I-PER O"), T("B-PER I-PER O"));
        Assert.Equal(0.5, scores.Micro.F1, 12);
        Assert.Equal((1.0, 1.0, 1.0), (scores.For("PER").Precision, scores.For("PER").Recall, scores.For("PER").F1));
        Assert.Equal((0.0, 0.0), (scores.For("MISC").Precision, scores.For("MISC").F1));
    }

    [Fact]
    public void Boundary_errors_count_as_one_false_positive_and_one_false_negative()
    {
        var scores = new EntityScores();
        // Gold: one 2-token LOC; predicted splits it at a B- (two LOCs), and tags a PER correctly.
        scores.Add(T("B-LOC I-LOC O B-PER"), T("B-LOC B-LOC O B-PER"));
        var loc = scores.For("LOC");
        Assert.Equal((1, 2, 0), (loc.Support, loc.Predicted, loc.Correct));
        Assert.Equal(1.0, scores.For("PER").F1);
        Assert.Equal(1.0 / 3, scores.Micro.Precision, 12);
        Assert.Equal(0.5, scores.Micro.Recall, 12);
        Assert.Equal(0.4, scores.Micro.F1, 12);
        Assert.Equal(new[] { "LOC", "PER" }, scores.Types);
    }

    [Fact]
    public void Bad_tags_and_lengths_are_errors()
    {
        var scores = new EntityScores();
        Assert.Throws<ArgumentException>(() => scores.Add(T("O O"), T("O")));
        var error = Assert.Throws<FormatException>(() => EntityScores.Spans(T("O PER")));
        Assert.Contains("'PER' at token 1", error.Message);
        Assert.Equal(0.0, new EntityScores().Micro.F1);
    }
}
