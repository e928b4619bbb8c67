using SpecTune.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Onnx;

/// <summary>
/// An imported ONNX graph as a fine-tuning base: the graph (optionally cut at a node) gives the features, a new
/// head takes them. Parameters keep the import's names (<c>Convolution249.weight</c>, <c>encoder.layer.0...</c>);
/// the head's are <c>{HeadSlot}.*</c>. The cut output is pooled to [N, C]: [N, C, H, W] by the spatial mean,
/// [N, T, C] by the mean over T, other ranks flattened.
/// </summary>
internal sealed class OnnxFineTuneNetwork : FineTuneNetwork
{
    private readonly OnnxGraph _graph;
    private readonly string _headSlot;

    private OnnxFineTuneNetwork(OnnxGraph graph, Func<int, nn.Module<Tensor, Tensor>> head, IReadOnlyList<int> sampleShape) : base("OnnxFineTuneNetwork")
    {
        _graph = graph;
        if (graph.Inputs.Count != 1)
            throw new OnnxImportException(graph.Model, $"a fine-tuning base takes one input, but the graph has {graph.Inputs.Count} ({string.Join(", ", graph.Inputs)})");
        graph.RegisterOn(this);
        var taken = named_children().Select(c => c.name).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, _) in named_parameters(recurse: false)) taken.Add(name);
        _headSlot = taken.Contains("head") ? "new_head" : "head";

        // The feature width comes from one dry run on a zero sample of the data's shape.
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            bool wasTraining = training;
            eval();
            var sample = zeros([1, .. sampleShape.Select(d => (long)d)]);
            CutRank = (int)CutOutput(sample).dim();
            var features = Features(sample);
            FeatureCount = (int)features.shape[1];
            SampleShape = sampleShape.ToArray();
            train(wasTraining);
        }
        Head = head(FeatureCount);
        register_module(_headSlot, Head);
    }

    /// <summary>Imports <paramref name="path"/>, cut at <paramref name="cutAt"/> (null: the graph's first output), with the head that <paramref name="head"/> builds for the feature width.</summary>
    public static OnnxFineTuneNetwork Load(string path, string? cutAt, Func<int, nn.Module<Tensor, Tensor>> head, IReadOnlyList<int> sampleShape)
    {
        var full = Path.GetFullPath(path);
        var graph = OnnxGraph.Load(OnnxModelFile.Parse(full), full, Path.GetDirectoryName(full), cutAt);
        try
        {
            return new OnnxFineTuneNetwork(graph, head, sampleShape);
        }
        catch
        {
            graph.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public override string HeadSlot => _headSlot;

    /// <inheritdoc />
    public override int FeatureCount { get; }

    /// <inheritdoc />
    public override nn.Module<Tensor, Tensor> Head { get; }

    /// <summary>The import's initializers and their module names.</summary>
    public IReadOnlyCollection<OnnxInitializer> Initializers => _graph.Initializers;

    internal OnnxGraph Graph => _graph;

    /// <summary>Rank of the cut output, which decides how it is pooled.</summary>
    internal int CutRank { get; }

    /// <summary>The shape of one sample the network was built for.</summary>
    public IReadOnlyList<int> SampleShape { get; } = [];

    /// <summary>The graph's output at the cut, before pooling.</summary>
    public Tensor CutOutput(Tensor input)
    {
        var outputs = _graph.Run(this, [input]);
        for (int i = 1; i < outputs.Length; i++) outputs[i].Dispose();
        return outputs[0];
    }

    /// <inheritdoc />
    public override Tensor Features(Tensor input)
    {
        using var output = CutOutput(input);
        return output.dim() switch
        {
            4 => output.mean([2, 3]),
            3 => output.mean([1]),
            2 => output.alias(),
            _ => output.flatten(1),
        };
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) _graph.Dispose();
        base.Dispose(disposing);
    }
}
