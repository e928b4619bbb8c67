namespace SpecTune.Onnx;

/// <summary>An ONNX model that SpecTune cannot import: malformed, an unsupported op, an unknown cut node, unsafe external data.</summary>
internal sealed class OnnxImportException : Exception
{
    public OnnxImportException(string model, string problem, Exception? inner = null)
        : base($"{model}: {problem}", inner)
    {
        Model = model;
        Problem = problem;
    }

    /// <summary>The model file (or resource) being imported.</summary>
    public string Model { get; }

    /// <summary>What is wrong, naming the node and op where there is one.</summary>
    public string Problem { get; }
}
