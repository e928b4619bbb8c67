using static TorchSharp.torch;

namespace SpecTune.Text;

/// <summary>A padded batch of encoded texts: <c>[batch, length]</c> int64 tensors the caller disposes.</summary>
internal sealed record TextBatch(Tensor InputIds, Tensor AttentionMask, Tensor TokenTypeIds) : IDisposable
{
    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
        TokenTypeIds.Dispose();
    }
}

/// <summary>
/// Dynamic padding: a batch is padded to its longest input, rounded up to <c>padToMultipleOf</c> (1: no rounding),
/// with attention mask 1 on real tokens and 0 on padding, and padding's token type 0.
/// </summary>
internal static class TextBatcher
{
    public static TextBatch Pad(IReadOnlyList<EncodedText> texts, long paddingId, int padToMultipleOf = 1)
    {
        if (texts.Count == 0) throw new ArgumentException("a batch needs at least one text", nameof(texts));
        if (padToMultipleOf < 1) throw new ArgumentOutOfRangeException(nameof(padToMultipleOf), padToMultipleOf, "must be at least 1");
        int longest = texts.Max(t => t.Ids.Count);
        int length = (longest + padToMultipleOf - 1) / padToMultipleOf * padToMultipleOf;
        var ids = new long[texts.Count * length];
        var mask = new long[ids.Length];
        var types = new long[ids.Length];
        Array.Fill(ids, paddingId);
        for (int row = 0; row < texts.Count; row++)
        {
            var t = texts[row];
            for (int j = 0; j < t.Ids.Count; j++)
            {
                ids[row * length + j] = t.Ids[j];
                mask[row * length + j] = 1;
                types[row * length + j] = t.TypeIds[j];
            }
        }
        long[] shape = [texts.Count, length];
        return new TextBatch(tensor(ids, shape), tensor(mask, shape), tensor(types, shape));
    }
}
