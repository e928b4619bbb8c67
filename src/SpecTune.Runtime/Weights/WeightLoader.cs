using static TorchSharp.torch;

namespace SpecTune.Weights;

/// <summary>Moves weights between name-to-tensor dictionaries, safetensors files and modules.</summary>
internal static class WeightLoader
{
    /// <summary>
    /// Copies <paramref name="weights"/> into <paramref name="module"/>'s parameters and persistent
    /// buffers by name, converting dtype and device. The weights are not disposed.
    /// </summary>
    /// <param name="module">The module to fill.</param>
    /// <param name="weights">Name-to-tensor weights, e.g. from <see cref="SafeTensorsFile.ReadAll"/>.</param>
    /// <param name="options">Strictness, skip prefixes and name map; <see cref="WeightLoadOptions.Default"/> when null.</param>
    /// <param name="source">Where the weights came from (a path), for messages.</param>
    /// <exception cref="WeightLoadException">Strict load and some names do not fit; the module is unchanged.</exception>
    /// <exception cref="ArgumentException">Two weights map to the same module name.</exception>
    public static WeightLoadReport Load(nn.Module module, IReadOnlyDictionary<string, Tensor> weights,
        WeightLoadOptions? options = null, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(weights);
        return LoadCore(module, weights.Select(w => new Candidate(w.Key, w.Value.shape, () => w.Value, Owned: false)), options, source);
    }

    /// <summary>
    /// Loads a safetensors file into <paramref name="module"/>. Shapes are checked from the header
    /// before any data is read, and tensors are read one at a time.
    /// </summary>
    /// <exception cref="WeightsFormatException">The file is malformed.</exception>
    /// <exception cref="WeightLoadException">Strict load and some names do not fit; the module is unchanged.</exception>
    public static WeightLoadReport LoadFile(nn.Module module, string path, WeightLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var file = SafeTensors.Read(path);
        return LoadCore(module,
            file.Names.Select(n => new Candidate(n, file.TensorInfo(n).Shape.ToArray(), () => file.Get(n), Owned: true)),
            options, path);
    }

    /// <summary>
    /// The module's parameters and persistent buffers (BatchNorm running statistics included) as
    /// detached CPU copies that the caller owns and disposes.
    /// </summary>
    public static Dictionary<string, Tensor> StateOf(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, tensor) in TensorsOf(module))
            {
                using var scope = NewDisposeScope();
                state.Add(name, tensor.detach().cpu().clone().MoveToOuterDisposeScope());
            }
            return state;
        }
        catch
        {
            foreach (var tensor in state.Values)
                tensor.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes the module's parameters and persistent buffers to a safetensors file, atomically; a one-layer head under
    /// torchvision's names (<see cref="HeadNames"/>).
    /// </summary>
    public static void SaveModule(string path, nn.Module module, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        // The writer copies each tensor to the CPU as it goes, so no full copy of the model is held.
        var fileNames = HeadNames.FileNames(module, TensorsOf(module).Select(t => t.Name));
        SafeTensors.Write(path, TensorsOf(module).Select(t => new KeyValuePair<string, Tensor>(fileNames.GetValueOrDefault(t.Name, t.Name), t.Tensor)), metadata);
    }

    /// <summary>The live tensors a state holds: parameters, then persistent buffers.</summary>
    internal static IEnumerable<(string Name, Tensor Tensor)> TensorsOf(nn.Module module)
    {
        foreach (var (name, parameter) in module.named_parameters(true))
            yield return (name, parameter);
        foreach (var (name, buffer) in module.named_buffers(true, false))
            yield return (name, buffer);
    }

    private sealed record Candidate(string Key, long[] Shape, Func<Tensor> Fetch, bool Owned);

    private static WeightLoadReport LoadCore(nn.Module module, IEnumerable<Candidate> candidates, WeightLoadOptions? options, string? source)
    {
        options ??= WeightLoadOptions.Default;
        var targets = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in TensorsOf(module))
            targets[name] = tensor;

        // A one-layer head may come under torchvision's names (fc.weight for fc.0.weight).
        var moduleNameOf = HeadNames.FileNames(module, targets.Keys).ToDictionary(n => n.Value, n => n.Key, StringComparer.Ordinal);
        var matched = new Dictionary<string, Candidate>(StringComparer.Ordinal);
        var unexpected = new List<string>();
        var skipped = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var candidate in candidates)
        {
            var name = options.NameMap?.Invoke(candidate.Key) ?? candidate.Key;
            if (!targets.ContainsKey(name)) name = moduleNameOf.GetValueOrDefault(name, name);
            if (options.IsSkipped(name))
            {
                skipped.Add(name);
                continue;
            }
            if (!matched.TryAdd(name, candidate))
                throw new ArgumentException($"{source ?? "weights"}: '{matched[name].Key}' and '{candidate.Key}' both map to '{name}'.");
            if (!targets.ContainsKey(name))
                unexpected.Add(name == candidate.Key ? name : $"{candidate.Key} (as '{name}')");
        }

        var missing = new List<string>();
        var mismatched = new List<ShapeMismatch>();
        var toLoad = new List<(string Name, Tensor Target, Candidate Weight)>();
        foreach (var (name, target) in targets)
        {
            if (options.IsSkipped(name))
                skipped.Add(name);
            else if (!matched.TryGetValue(name, out var weight))
            {
                // PyTorch's BatchNorm accepts a state dict without the counter (older PyTorch wrote none) and keeps its own.
                if (!name.EndsWith(".num_batches_tracked", StringComparison.Ordinal)) missing.Add(name);
            }
            else if (!target.shape.SequenceEqual(weight.Shape))
                mismatched.Add(new ShapeMismatch(name, weight.Key, target.shape, weight.Shape));
            else
                toLoad.Add((name, target, weight));
        }

        var report = new WeightLoadReport(
            toLoad.Select(l => l.Name).Order(StringComparer.Ordinal).ToArray(),
            missing.Order(StringComparer.Ordinal).ToArray(),
            unexpected.Order(StringComparer.Ordinal).ToArray(),
            mismatched.OrderBy(m => m.Name, StringComparer.Ordinal).ToArray(),
            skipped.ToArray());
        if (options.Strict && !report.IsExact)
            throw new WeightLoadException(report, source);

        using (no_grad())
        {
            foreach (var (_, target, weight) in toLoad)
            {
                var tensor = weight.Fetch();
                try
                {
                    // copy_ returns the target itself, which must stay alive: nothing to dispose.
                    target.copy_(tensor);
                }
                finally
                {
                    if (weight.Owned)
                        tensor.Dispose();
                }
            }
        }
        return report;
    }
}
