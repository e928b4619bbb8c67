using System.Text;
using System.Text.RegularExpressions;
using Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SpecTune.Onnx;

/// <summary>Where an ONNX initializer lives in the imported module.</summary>
/// <param name="OnnxName">The initializer's name in the graph.</param>
/// <param name="ModuleName">Its name among the module's parameters or buffers.</param>
/// <param name="Kind">Trainable parameter, persistent buffer (BatchNorm statistics) or constant (non-float: kept by the graph, not the module).</param>
internal sealed record OnnxInitializer(string OnnxName, string ModuleName, OnnxInitializerKind Kind);

/// <summary>What an initializer became.</summary>
internal enum OnnxInitializerKind { Parameter, Buffer, Constant }

/// <summary>
/// An ONNX graph ready to run op by op with TorchSharp ops. It owns no tensors of the model: the
/// initializers are registered on a module (<see cref="RegisterOn"/>) and looked up by name on every run,
/// so moving the module to another device moves the weights.
/// </summary>
internal sealed partial class OnnxGraph : IDisposable
{
    private readonly List<NodeProto> _nodes;
    private readonly Dictionary<string, Tensor> _constants = new(StringComparer.Ordinal);   // Constant nodes
    private readonly Dictionary<string, OnnxInitializer> _initializers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _lastUse = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _initialValues;
    private readonly Dictionary<string, (string Path, long Channels, double Eps, double Momentum)> _batchNorms = new(StringComparer.Ordinal);

    private OnnxGraph(string model, ModelProto proto, List<NodeProto> nodes, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs,
        Dictionary<string, Tensor> initialValues)
    {
        Model = model;
        Proto = proto;
        _nodes = nodes;
        Inputs = inputs;
        Outputs = outputs;
        _initialValues = initialValues;
        Opset = proto.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(1).Max();
    }

    public string Model { get; }

    public ModelProto Proto { get; }

    public long Opset { get; }

    /// <summary>Graph inputs the caller feeds, in order (initializers listed as inputs excluded).</summary>
    public IReadOnlyList<string> Inputs { get; }

    /// <summary>The values the run returns: the graph outputs, or the cut node's first output.</summary>
    public IReadOnlyList<string> Outputs { get; }

    /// <summary>The nodes kept (those the outputs need), in graph order.</summary>
    public IReadOnlyList<NodeProto> Nodes => _nodes;

    public IReadOnlyCollection<OnnxInitializer> Initializers => _initializers.Values;

    /// <summary>ONNX initializer name to module name.</summary>
    public OnnxInitializer InitializerOf(string onnxName) => _initializers[onnxName];

    public static OnnxGraph Load(ModelProto proto, string model, string? folder, string? cutAt)
    {
        var graph = proto.Graph ?? throw new OnnxImportException(model, "the model has no graph");
        foreach (var opset in proto.OpsetImport)
            if (opset.Domain is not ("" or "ai.onnx"))
                throw new OnnxImportException(model, $"operator set domain '{opset.Domain}' is not supported (only the default ONNX domain is)");

        var initializerNames = new HashSet<string>(graph.Initializer.Select(i => i.Name), StringComparer.Ordinal);
        var inputs = graph.Input.Select(i => i.Name).Where(n => !initializerNames.Contains(n)).ToList();

        IReadOnlyList<string> outputs;
        if (cutAt is null)
            outputs = graph.Output.Select(o => o.Name).ToList();
        else
        {
            var cut = graph.Node.FirstOrDefault(n => n.Name == cutAt)
                ?? throw new OnnxImportException(model, $"cut-at: no node is named '{cutAt}'{Suggest(cutAt, graph.Node.Select(n => n.Name))}");
            outputs = new[] { cut.Output[0] };
        }

        // Keep only the nodes the outputs depend on: a cut drops the classifier and everything after it.
        var producer = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
            foreach (var output in node.Output)
                if (output.Length > 0) producer[output] = node;
        var needed = new HashSet<NodeProto>();
        var pending = new Stack<string>(outputs);
        while (pending.Count > 0)
        {
            var value = pending.Pop();
            if (producer.TryGetValue(value, out var node) && needed.Add(node))
                foreach (var input in node.Input) if (input.Length > 0) pending.Push(input);
        }
        var nodes = graph.Node.Where(needed.Contains).ToList();
        foreach (var node in nodes)
            if (!Ops.Contains(node.OpType) || !(node.Domain is "" or "ai.onnx"))
                throw new OnnxImportException(model, $"node '{node.Name}': op '{(node.Domain.Length > 0 ? node.Domain + "." : "")}{node.OpType}' is not supported; supported ops: {string.Join(", ", Ops.Order(StringComparer.Ordinal))}");

        var used = new HashSet<string>(nodes.SelectMany(n => n.Input), StringComparer.Ordinal);
        var initialValues = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var initializer in graph.Initializer)
                if (used.Contains(initializer.Name))
                    initialValues[initializer.Name] = OnnxTensors.ToTensor(initializer, model, folder);
            inputs = inputs.Where(used.Contains).ToList();
            var result = new OnnxGraph(model, proto, nodes, inputs, outputs, initialValues);
            result.Prepare();
            return result;
        }
        catch
        {
            foreach (var t in initialValues.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>Names every initializer, builds Constant node values and the last use of every value.</summary>
    private void Prepare()
    {
        for (int i = 0; i < _nodes.Count; i++)
        {
            var node = _nodes[i];
            foreach (var input in node.Input) if (input.Length > 0) _lastUse[input] = i;
            if (node.OpType == "Constant") _constants[node.Output[0]] = ConstantValue(node);
        }
        foreach (var output in Outputs) _lastUse[output] = int.MaxValue;

        var names = new ModuleNames();
        // BatchNormalization's four tensors become one BatchNorm module, so freezing policies find it.
        foreach (var node in _nodes.Where(n => n.OpType == "BatchNormalization"))
        {
            var stats = node.Input.Skip(1).Take(4).ToArray();
            if (stats.Length != 4 || stats.Any(s => !_initialValues.ContainsKey(s)) || stats.Any(s => _initializers.ContainsKey(s)))
                throw new OnnxImportException(Model, $"node '{node.Name}' (BatchNormalization): scale, bias, mean and variance must be initializers used by this node only");
            var prefix = CommonModulePrefix(stats) ?? NodeName(node);
            var path = names.Reserve(prefix);
            _batchNorms[node.Name.Length > 0 ? node.Name : node.Output[0]] = (path, _initialValues[stats[0]].shape[0],
                Attr(node, "epsilon", 1e-5f), 1 - Attr(node, "momentum", 0.9f));
            string[] roles = ["weight", "bias", "running_mean", "running_var"];
            for (int r = 0; r < 4; r++)
                _initializers[stats[r]] = new OnnxInitializer(stats[r], path + "." + roles[r], r < 2 ? OnnxInitializerKind.Parameter : OnnxInitializerKind.Buffer);
        }
        foreach (var (name, value) in _initialValues)
        {
            if (_initializers.ContainsKey(name)) continue;
            var kind = value.is_floating_point() ? OnnxInitializerKind.Parameter : OnnxInitializerKind.Constant;
            _initializers[name] = new OnnxInitializer(name, names.Reserve(IsNumbered(name) ? DerivedName(name) : name), kind);
        }
    }

    /// <summary>Registers parameters, buffers and BatchNorm modules on <paramref name="root"/> with the initial values.</summary>
    public void RegisterOn(nn.Module root)
    {
        var scopes = new Dictionary<string, nn.Module>(StringComparer.Ordinal) { [""] = root };
        nn.Module Scope(string path)
        {
            if (scopes.TryGetValue(path, out var scope)) return scope;
            int dot = path.LastIndexOf('.');
            var parent = Scope(dot < 0 ? "" : path[..dot]);
            scope = new OnnxScope(path);
            parent.register_module(dot < 0 ? path : path[(dot + 1)..], scope);
            return scopes[path] = scope;
        }
        (nn.Module Owner, string Leaf) Split(string path)
        {
            int dot = path.LastIndexOf('.');
            return dot < 0 ? (root, path) : (Scope(path[..dot]), path[(dot + 1)..]);
        }

        using var _ = no_grad();
        foreach (var (nodeName, (path, channels, eps, momentum)) in _batchNorms)
        {
            var bn = nn.BatchNorm2d(channels, eps, momentum);
            var (owner, leaf) = Split(path);
            scopes[path] = bn;
            owner.register_module(leaf, bn);
        }
        foreach (var init in _initializers.Values)
        {
            var value = _initialValues[init.OnnxName];
            if (_batchNorms.Values.Any(b => init.ModuleName.StartsWith(b.Path + ".", StringComparison.Ordinal) && init.ModuleName.LastIndexOf('.') == b.Path.Length))
            {
                var bnPath = init.ModuleName[..init.ModuleName.LastIndexOf('.')];
                var bn = (BatchNorm2d)scopes[bnPath];
                var target = init.ModuleName[(bnPath.Length + 1)..] switch
                {
                    "weight" => (Tensor)bn.weight!,
                    "bias" => bn.bias!,
                    "running_mean" => bn.running_mean!,
                    _ => bn.running_var!,
                };
                target.copy_(value);
                continue;
            }
            // Non-float initializers (shapes, indices) are not weights: the graph keeps them, like Constant nodes.
            if (init.Kind == OnnxInitializerKind.Constant) continue;
            var (owner, leaf) = Split(init.ModuleName);
            owner.register_parameter(leaf, new Parameter(value.clone(), requires_grad: true));
        }
    }

    /// <summary>Runs the graph: <paramref name="inputs"/> in <see cref="Inputs"/> order; returns <see cref="Outputs"/>.</summary>
    public Tensor[] Run(nn.Module root, IReadOnlyList<Tensor> inputs)
    {
        if (inputs.Count != Inputs.Count)
            throw new ArgumentException($"{Model} takes {Inputs.Count} input(s) ({string.Join(", ", Inputs)}), got {inputs.Count}.");
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, p) in root.named_parameters()) state[name] = p;
        foreach (var (name, b) in root.named_buffers(true, true)) state[name] = b;
        var modules = root.named_modules().ToDictionary(m => m.name, m => m.module, StringComparer.Ordinal);

        var device = inputs.Count > 0 ? inputs[0].device : CPU;
        var values = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var owned = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < Inputs.Count; i++) values[Inputs[i]] = inputs[i];
        foreach (var (name, init) in _initializers)
        {
            if (init.Kind == OnnxInitializerKind.Constant) continue;
            values[name] = state.TryGetValue(init.ModuleName, out var t) ? t
                : throw new InvalidOperationException($"{Model}: initializer '{name}' is not registered on the module as '{init.ModuleName}'.");
        }
        foreach (var (name, constant) in _constants.Concat(_initializers.Values.Where(i => i.Kind == OnnxInitializerKind.Constant)
                     .Select(i => KeyValuePair.Create(i.OnnxName, _initialValues[i.OnnxName]))))
        {
            values[name] = constant.device == device ? constant : constant.to(device);
            if (constant.device != device) owned.Add(name);
        }

        try
        {
            for (int i = 0; i < _nodes.Count; i++)
            {
                var node = _nodes[i];
                if (node.OpType == "Constant") continue;
                Tensor?[] args = node.Input.Select(n => n.Length == 0 ? null : values.TryGetValue(n, out var v) ? v
                    : throw new OnnxImportException(Model, $"node '{node.Name}' ({node.OpType}): input '{n}' is not computed before it")).ToArray();
                Tensor result;
                try
                {
                    result = node.OpType == "BatchNormalization" ? RunBatchNorm(node, args, modules) : Execute(node, args);
                }
                catch (Exception e) when (e is not OnnxImportException)
                {
                    throw new OnnxImportException(Model, $"node '{node.Name}' ({node.OpType}) failed on inputs {string.Join(", ", args.Select(a => a is null ? "-" : "[" + string.Join(", ", a.shape) + "]"))}: {e.Message}", e);
                }
                values[node.Output[0]] = result;
                owned.Add(node.Output[0]);
                // Intermediate values are released after their last use; autograd keeps what backward needs.
                foreach (var input in node.Input.Distinct())
                    if (input.Length > 0 && _lastUse[input] == i && owned.Remove(input) && !ReferenceEquals(values[input], result))
                        values[input].Dispose();
            }
            var outputs = Outputs.Select(o => values[o]).ToArray();
            // An output that is an input or a weight is returned as an alias, so the caller may dispose it freely.
            for (int o = 0; o < outputs.Length; o++)
            {
                if (owned.Remove(Outputs[o])) continue;
                outputs[o] = outputs[o].alias();
            }
            return outputs;
        }
        finally
        {
            foreach (var name in owned) if (!Outputs.Contains(name)) values[name].Dispose();
        }
    }

    private Tensor RunBatchNorm(NodeProto node, Tensor?[] args, Dictionary<string, nn.Module> modules)
    {
        var (path, _, eps, momentum) = _batchNorms[node.Name.Length > 0 ? node.Name : node.Output[0]];
        var bn = (BatchNorm2d)modules[path];
        // The module's momentum starts as the graph's and may be changed (e.g. to retrain statistics faster).
        return F.batch_norm(args[0]!, bn.running_mean!, bn.running_var!, bn.weight, bn.bias, bn.training, bn.momentum ?? momentum, eps);
    }

    public void Dispose()
    {
        foreach (var t in _constants.Values) t.Dispose();
        foreach (var t in _initialValues.Values) t.Dispose();
    }
}
