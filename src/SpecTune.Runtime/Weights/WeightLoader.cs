using System.Text;
using static TorchSharp.torch;

namespace SpecTune.Weights;

/// <summary>How <see cref="WeightLoader"/> matches weight names to a module's parameters and buffers.</summary>
public sealed record WeightLoadOptions
{
    public static WeightLoadOptions Default { get; } = new();

    /// <summary>
    /// When true (the default), any missing, unexpected or shape-mismatched name fails the load with
    /// one <see cref="WeightLoadException"/> listing them all, and the module is left untouched.
    /// When false, what fits is loaded and the rest comes back as warnings in the report.
    /// </summary>
    public bool Strict { get; init; } = true;

    /// <summary>
    /// Names under these prefixes (module names, i.e. after <see cref="NameMap"/>) are neither loaded
    /// nor reported missing or unexpected, e.g. <c>fc</c> for a head that replaces the file's.
    /// A prefix ending in '.' matches by string prefix; any other prefix matches the name itself
    /// and names below it, so "fc" covers "fc.weight" but not "fc2.weight".
    /// </summary>
    public IReadOnlyList<string> SkipPrefixes { get; init; } = [];

    /// <summary>Maps a name in the weights to the module's name for it; null keeps names as they are.</summary>
    public Func<string, string>? NameMap { get; init; }

    /// <summary>These options with a name map that renames the listed weights and keeps every other name.</summary>
    public WeightLoadOptions WithRenames(IReadOnlyDictionary<string, string> renames)
    {
        ArgumentNullException.ThrowIfNull(renames);
        return this with { NameMap = name => renames.TryGetValue(name, out var renamed) ? renamed : name };
    }

    /// <summary>
    /// These options with a name map that replaces name prefixes, longest match first: a name equal to a key
    /// or below it (<c>key.*</c>) gets the value in the key's place; a key ending in '.' is a plain string
    /// prefix (<c>"module." -> ""</c> strips DataParallel's prefix). Other names are kept.
    /// </summary>
    public WeightLoadOptions WithPrefixRenames(IEnumerable<KeyValuePair<string, string>> renames)
    {
        ArgumentNullException.ThrowIfNull(renames);
        var ordered = renames.OrderByDescending(r => r.Key.Length).ToArray();
        return this with
        {
            NameMap = name =>
            {
                foreach (var (from, to) in ordered)
                {
                    if (Covers(from, name))
                    {
                        var rest = name.Substring(from.Length);
                        // "features" -> "" turns "features.0.weight" into "0.weight", not ".0.weight".
                        if (to.Length == 0 && rest.StartsWith('.')) rest = rest.Substring(1);
                        return to + rest;
                    }
                }
                return name;
            },
        };
    }

    private static bool Covers(string prefix, string name) =>
        prefix.EndsWith('.')
            ? name.StartsWith(prefix, StringComparison.Ordinal)
            : name == prefix || (name.StartsWith(prefix, StringComparison.Ordinal) && name.Length > prefix.Length && name[prefix.Length] == '.');

    internal bool IsSkipped(string moduleName)
    {
        foreach (var prefix in SkipPrefixes)
            if (Covers(prefix, moduleName)) return true;
        return false;
    }
}

/// <summary>A weight whose shape differs from the module's tensor of the same name.</summary>
/// <param name="Name">The module's name for it.</param>
/// <param name="WeightName">The name in the weights (differs from <paramref name="Name"/> when a name map renamed it).</param>
/// <param name="ModuleShape">The shape the module expects.</param>
/// <param name="WeightShape">The shape in the weights.</param>
public sealed record ShapeMismatch(string Name, string WeightName, IReadOnlyList<long> ModuleShape, IReadOnlyList<long> WeightShape)
{
    public override string ToString() =>
        $"{Name}{(WeightName == Name ? "" : $" (weights: '{WeightName}')")}: module {SafeTensors.FormatShape(ModuleShape)}, weights {SafeTensors.FormatShape(WeightShape)}";
}

/// <summary>What a load did. All lists are in ordinal order.</summary>
/// <param name="Loaded">Module names that received a weight.</param>
/// <param name="Missing">Module names that no weight matched (left as they were).</param>
/// <param name="Unexpected">Names in the weights that match nothing in the module (ignored).</param>
/// <param name="Mismatched">Names present on both sides with different shapes (not loaded).</param>
/// <param name="Skipped">Module-side names under a skip prefix, from either side.</param>
public sealed record WeightLoadReport(
    IReadOnlyList<string> Loaded,
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Unexpected,
    IReadOnlyList<ShapeMismatch> Mismatched,
    IReadOnlyList<string> Skipped)
{
    /// <summary>True when every module tensor outside the skip prefixes got a weight and every weight was used.</summary>
    public bool IsExact => Missing.Count == 0 && Unexpected.Count == 0 && Mismatched.Count == 0;

    /// <summary>One line per problem, for logs and for non-strict loads.</summary>
    public IReadOnlyList<string> Warnings =>
    [
        .. Missing.Select(n => $"missing from the weights: {n} (left as initialised)"),
        .. Unexpected.Select(n => $"not in the model: {n} (ignored)"),
        .. Mismatched.Select(m => $"shape mismatch: {m} (left as initialised)"),
    ];
}

/// <summary>A strict load found names that do not fit; <see cref="Report"/> lists all of them.</summary>
public sealed class WeightLoadException : Exception
{
    public WeightLoadException(WeightLoadReport report, string? source)
        : base(Describe(report, source))
    {
        Report = report;
        Origin = source;
    }

    public WeightLoadReport Report { get; }

    /// <summary>The file the weights came from, when they came from one.</summary>
    public string? Origin { get; }

    private static string Describe(WeightLoadReport report, string? source)
    {
        var text = new StringBuilder();
        text.Append(source is null ? "The weights" : $"{source}: the weights")
            .Append($" do not fit the model ({report.Missing.Count} missing, {report.Unexpected.Count} unexpected, {report.Mismatched.Count} shape mismatches); nothing was loaded.");
        if (report.Missing.Count > 0)
            text.Append("\n  missing from the weights: ").AppendJoin(", ", report.Missing);
        if (report.Unexpected.Count > 0)
            text.Append("\n  not in the model: ").AppendJoin(", ", report.Unexpected);
        foreach (var mismatch in report.Mismatched)
            text.Append("\n  shape mismatch: ").Append(mismatch);
        text.Append("\n  (use skip prefixes for a replaced head, a name map for renamed layers, or a non-strict load)");
        return text.ToString();
    }
}

/// <summary>Moves weights between name-to-tensor dictionaries, safetensors files and modules.</summary>
public static class WeightLoader
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

    /// <summary>Writes the module's parameters and persistent buffers to a safetensors file, atomically.</summary>
    public static void SaveModule(string path, nn.Module module, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        // The writer copies each tensor to the CPU as it goes, so no full copy of the model is held.
        SafeTensors.Write(path, TensorsOf(module).Select(t => new KeyValuePair<string, Tensor>(t.Name, t.Tensor)), metadata);
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

        var matched = new Dictionary<string, Candidate>(StringComparer.Ordinal);
        var unexpected = new List<string>();
        var skipped = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var candidate in candidates)
        {
            var name = options.NameMap?.Invoke(candidate.Key) ?? candidate.Key;
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
                missing.Add(name);
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
