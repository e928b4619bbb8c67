namespace SpecTune.Text;

/// <summary>An entity span in one sentence: its type and the token range [Start, End] (inclusive).</summary>
internal readonly record struct EntitySpan(string Type, int Start, int End);

/// <summary>Precision, recall and F1 for one entity type (or the micro average), with the counts behind them.</summary>
internal readonly record struct EntityScore(double Precision, double Recall, double F1, int Support, int Predicted, int Correct);

/// <summary>
/// Entity-level precision, recall and F1 over IOB2 tag sequences, as seqeval computes them in its default mode:
/// an entity counts as correct only when type, start and end all match; an <c>I-X</c> that follows <c>O</c> or an
/// entity of another type opens a new entity (seqeval's lenient reading); scores are 0 where a ratio is 0/0.
/// </summary>
internal sealed class EntityScores
{
    private readonly Dictionary<string, (int True, int Predicted, int Correct)> _counts = new(StringComparer.Ordinal);

    /// <summary>Adds one sentence: gold and predicted tags of equal length.</summary>
    public void Add(IReadOnlyList<string> gold, IReadOnlyList<string> predicted)
    {
        if (gold.Count != predicted.Count)
            throw new ArgumentException($"a sentence has {gold.Count} gold tags but {predicted.Count} predicted tags");
        var truth = new HashSet<EntitySpan>(Spans(gold));
        foreach (var span in truth) Bump(span.Type, t: 1);
        foreach (var span in Spans(predicted))
            Bump(span.Type, p: 1, c: truth.Contains(span) ? 1 : 0);
    }

    /// <summary>Entity types seen in gold or predicted tags, in ordinal order.</summary>
    public IReadOnlyList<string> Types => _counts.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();

    /// <summary>Scores of one entity type.</summary>
    public EntityScore For(string type) =>
        _counts.TryGetValue(type, out var c) ? Score(c.True, c.Predicted, c.Correct) : Score(0, 0, 0);

    /// <summary>Micro average over all entity types (seqeval's <c>f1_score</c> default).</summary>
    public EntityScore Micro => Score(_counts.Values.Sum(c => c.True), _counts.Values.Sum(c => c.Predicted), _counts.Values.Sum(c => c.Correct));

    /// <summary>The entities an IOB2 sequence holds, read as seqeval's <c>get_entities</c> does.</summary>
    public static IReadOnlyList<EntitySpan> Spans(IReadOnlyList<string> tags)
    {
        var spans = new List<EntitySpan>();
        string? type = null;
        int start = 0;
        for (int i = 0; i < tags.Count; i++)
        {
            var (prefix, tagType) = Split(tags[i], i);
            bool opens = prefix == 'B' || (prefix == 'I' && tagType != type);
            if (type is not null && (prefix == 'O' || opens))
            {
                spans.Add(new EntitySpan(type, start, i - 1));
                type = null;
            }
            if (opens)
            {
                type = tagType;
                start = i;
            }
        }
        if (type is not null) spans.Add(new EntitySpan(type, start, tags.Count - 1));
        return spans;
    }

    private static (char Prefix, string? Type) Split(string tag, int index)
    {
        if (tag == "O") return ('O', null);
        if (tag.Length > 2 && (tag[0] == 'B' || tag[0] == 'I') && tag[1] == '-') return (tag[0], tag[2..]);
        throw new FormatException($"tag '{tag}' at token {index} is not IOB2 (expected O, B-TYPE or I-TYPE)");
    }

    private void Bump(string type, int t = 0, int p = 0, int c = 0)
    {
        _counts.TryGetValue(type, out var old);
        _counts[type] = (old.True + t, old.Predicted + p, old.Correct + c);
    }

    private static EntityScore Score(int truth, int predicted, int correct)
    {
        double precision = predicted == 0 ? 0 : (double)correct / predicted;
        double recall = truth == 0 ? 0 : (double)correct / truth;
        double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return new EntityScore(precision, recall, f1, truth, predicted, correct);
    }
}
