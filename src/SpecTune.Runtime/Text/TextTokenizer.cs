using Microsoft.ML.Tokenizers;

namespace SpecTune.Text;

/// <summary>One encoded text (or text pair): token ids and the segment (token type) of each, after truncation.</summary>
internal sealed record EncodedText(IReadOnlyList<long> Ids, IReadOnlyList<long> TypeIds);

/// <summary>
/// A tokenizer read from a Hugging Face model folder, with the framing the model expects: BERT's
/// <c>[CLS] a [SEP] (b [SEP])</c> for WordPiece, the library's own for BPE and SentencePiece. Inputs longer than
/// <see cref="MaxLength"/> are truncated longest-first (Hugging Face's default), keeping the special tokens.
/// </summary>
internal sealed class TextTokenizer
{
    private readonly Tokenizer _tokenizer;
    private readonly BertTokenizer? _bert;

    internal TextTokenizer(Tokenizer tokenizer, string kind, int maxLength, int paddingId)
    {
        if (maxLength < 2) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "max length must be at least 2");
        _tokenizer = tokenizer;
        _bert = tokenizer as BertTokenizer;
        Kind = kind;
        MaxLength = maxLength;
        PaddingId = paddingId;
    }

    /// <summary><c>wordpiece</c>, <c>bpe</c> or <c>sentencepiece</c>.</summary>
    public string Kind { get; }

    /// <summary>The most tokens one encoded input has, special tokens included.</summary>
    public int MaxLength { get; }

    /// <summary>The id the batcher pads with.</summary>
    public int PaddingId { get; }

    /// <summary>The library tokenizer underneath, for what this wrapper does not cover (decoding, offsets).</summary>
    public Tokenizer Library => _tokenizer;

    /// <summary>Encodes a text, or a text pair (second segment has token type 1), truncated to <see cref="MaxLength"/>.</summary>
    public EncodedText Encode(string text, string? pair = null)
    {
        var a = Pieces(text);
        var b = pair is null ? null : Pieces(pair);
        int special = _bert is null ? 0 : (b is null ? 2 : 3);
        Truncate(a, b, MaxLength - special);
        if (_bert is null)
        {
            var joined = b is null ? a : a.Concat(b).ToList();
            var types = Enumerable.Repeat(0L, a.Count).Concat(Enumerable.Repeat(1L, b?.Count ?? 0));
            return new EncodedText(joined.Select(i => (long)i).ToList(), types.ToList());
        }
        var ids = _bert.BuildInputsWithSpecialTokens(a, b).Select(i => (long)i).ToList();
        var typeIds = _bert.CreateTokenTypeIdsFromSequences(a, b).Select(i => (long)i).ToList();
        return new EncodedText(ids, typeIds);
    }

    /// <summary>The ids of one word's sub-word pieces, without special tokens (for token classification).</summary>
    public IReadOnlyList<int> WordPieces(string word) => Pieces(word);

    private List<int> Pieces(string text) => _bert is not null
        ? _bert.EncodeToIds(SpaceControls(text), addSpecialTokens: false).ToList()
        : _tokenizer.EncodeToIds(text).ToList();

    // BERT reads tab, CR and LF as spaces; the library deletes them, gluing the words on either side.
    private static string SpaceControls(string text) => text.IndexOfAny(['\t', '\r', '\n']) < 0
        ? text
        : text.Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' ');

    private static void Truncate(List<int> a, List<int>? b, int budget)
    {
        if (budget < 0) budget = 0;
        while (a.Count + (b?.Count ?? 0) > budget)
        {
            var longer = b is not null && b.Count > a.Count ? b : a;
            longer.RemoveAt(longer.Count - 1);
        }
    }
}
