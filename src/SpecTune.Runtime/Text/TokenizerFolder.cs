using Microsoft.ML.Tokenizers;

namespace SpecTune.Text;

/// <summary>
/// Loads the tokenizer a Hugging Face model folder ships: <c>vocab.txt</c> (WordPiece/BERT), <c>vocab.json</c> +
/// <c>merges.txt</c> (byte-level BPE), or a SentencePiece <c>*.model</c>, in that order of preference.
/// A folder with none of them is an error naming the folder, what it has and what was expected.
/// </summary>
internal static class TokenizerFolder
{
    /// <summary>Reads the tokenizer in <paramref name="folder"/>; <paramref name="lowercase"/> applies to WordPiece and, as in uncased BERT, strips accents.</summary>
    public static TextTokenizer Load(string folder, bool lowercase = true, int maxLength = 512)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"tokenizer folder '{folder}' does not exist");
        string vocabTxt = Path.Combine(folder, "vocab.txt");
        if (File.Exists(vocabTxt))
        {
            var bert = BertTokenizer.Create(vocabTxt, new BertOptions { LowerCaseBeforeTokenization = lowercase, RemoveNonSpacingMarks = lowercase });
            return new TextTokenizer(bert, "wordpiece", maxLength, bert.PaddingTokenId);
        }
        string vocabJson = Path.Combine(folder, "vocab.json"), merges = Path.Combine(folder, "merges.txt");
        if (File.Exists(vocabJson) && File.Exists(merges))
            return new TextTokenizer(BpeTokenizer.Create(vocabJson, merges), "bpe", maxLength, paddingId: 0);
        var model = Directory.GetFiles(folder, "*.model").OrderBy(f => f, StringComparer.Ordinal).FirstOrDefault();
        if (model is not null)
        {
            using var stream = File.OpenRead(model);
            return new TextTokenizer(SentencePieceTokenizer.Create(stream), "sentencepiece", maxLength, paddingId: 0);
        }
        var has = Directory.GetFiles(folder).Select(Path.GetFileName).OrderBy(f => f, StringComparer.Ordinal);
        throw new FileNotFoundException(
            $"tokenizer folder '{folder}' has no vocab.txt (WordPiece), vocab.json + merges.txt (BPE) or *.model (SentencePiece); it has: {string.Join(", ", has)}");
    }
}
