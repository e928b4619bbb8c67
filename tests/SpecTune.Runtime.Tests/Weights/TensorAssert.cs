using static TorchSharp.torch;

namespace SpecTune.Tests.Weights;

internal static class TensorAssert
{
    /// <summary>Same dtype, same shape and the same bytes: stricter than ==, which equates -0.0 and 0.0.</summary>
    public static bool Identical(Tensor expected, Tensor actual)
    {
        if (expected.dtype != actual.dtype || !expected.shape.SequenceEqual(actual.shape))
            return false;
        using var a = expected.detach().cpu().contiguous();
        using var b = actual.detach().cpu().contiguous();
        return a.numel() == 0 || a.bytes.SequenceEqual(b.bytes);
    }
}
