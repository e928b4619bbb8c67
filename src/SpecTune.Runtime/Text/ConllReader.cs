namespace SpecTune.Text;

/// <summary>A text data error: SPT id, the file and the 1-based line where the input is wrong.</summary>
internal sealed class TextDataException(string id, string file, int line, string message)
    : Exception($"{file}({line}): error {id}: {message}")
{
    public string Id { get; } = id;
    public string File { get; } = file;
    public int Line { get; } = line;
}

/// <summary>One sentence for token classification: its words and one IOB2 tag per word.</summary>
internal sealed record TaggedSentence(IReadOnlyList<string> Tokens, IReadOnlyList<string> Tags);

/// <summary>
/// Reads CoNLL: one token per line, the token first and its tag last (whitespace separated), a blank line between
/// sentences, <c>-DOCSTART-</c> lines skipped. With a label set, a tag outside it is SPT0370 at its file:line;
/// a line with only one field is SPT0371.
/// </summary>
internal static class ConllReader
{
    public static IReadOnlyList<TaggedSentence> Read(string path, IReadOnlyCollection<string>? labels = null)
    {
        var sentences = new List<TaggedSentence>();
        var tokens = new List<string>();
        var tags = new List<string>();
        int number = 0;
        foreach (var raw in File.ReadLines(path))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("-DOCSTART-", StringComparison.Ordinal))
            {
                Flush();
                continue;
            }
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2)
                throw new TextDataException(SpecTune.Spec.SpecDiagnostics.LineWithoutTag.Id, path, number, $"expected 'token tag' but the line has one field: '{line}'");
            var tag = fields[^1];
            if (labels is not null && !labels.Contains(tag))
                throw new TextDataException(SpecTune.Spec.SpecDiagnostics.TagOutsideLabels.Id, path, number, $"tag '{tag}' is not in the label set ({string.Join(", ", labels)})");
            tokens.Add(fields[0]);
            tags.Add(tag);
        }
        Flush();
        return sentences;

        void Flush()
        {
            if (tokens.Count == 0) return;
            sentences.Add(new TaggedSentence(tokens.ToArray(), tags.ToArray()));
            tokens.Clear();
            tags.Clear();
        }
    }

    /// <summary>Labels in first-seen order, when the spec does not list them.</summary>
    public static IReadOnlyList<string> InferLabels(IEnumerable<TaggedSentence> sentences) =>
        sentences.SelectMany(s => s.Tags).Distinct(StringComparer.Ordinal).ToList();
}

/// <summary>Token-classification encoding: sub-word ids framed by [CLS]/[SEP], the first piece of each word carries its label, the rest and the specials -100.</summary>
internal static class TokenLabels
{
    public const long Ignored = -100;

    public static (EncodedText Text, IReadOnlyList<long> Labels) Encode(TextTokenizer tokenizer, TaggedSentence sentence, IReadOnlyList<string> labels)
    {
        var index = labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => (long)p.i, StringComparer.Ordinal);
        var ids = new List<long> { Cls(tokenizer) };
        var target = new List<long> { Ignored };
        for (int w = 0; w < sentence.Tokens.Count && ids.Count < tokenizer.MaxLength - 1; w++)
        {
            var pieces = tokenizer.WordPieces(sentence.Tokens[w]);
            for (int p = 0; p < pieces.Count && ids.Count < tokenizer.MaxLength - 1; p++)
            {
                ids.Add(pieces[p]);
                target.Add(p == 0 ? index[sentence.Tags[w]] : Ignored);
            }
        }
        ids.Add(((Microsoft.ML.Tokenizers.BertTokenizer)tokenizer.Library).SeparatorTokenId);
        target.Add(Ignored);
        return (new EncodedText(ids, new long[ids.Count]), target);
    }

    private static long Cls(TextTokenizer tokenizer) => tokenizer.Library is Microsoft.ML.Tokenizers.BertTokenizer bert
        ? bert.ClassificationTokenId
        : throw new NotSupportedException("token classification is implemented for WordPiece tokenizers");
}
